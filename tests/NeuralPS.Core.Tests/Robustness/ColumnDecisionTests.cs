using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>Issue 8, defect 9: what the converter decides on its own is said (notices for -Verbose), and a
/// decision made by a minority of the values is a warning.</summary>
public sealed class ColumnDecisionTests
{
    private static RecordConverter Convert(string csv, RecordConverterOptions options)
    {
        var converter = new RecordConverter(options);
        foreach (var r in CsvReader.ReadRecords(new StringReader(csv), "t.csv")) converter.TryAdd(r, out _, r.Location);
        converter.ToDataset();
        return converter;
    }

    [Fact]
    public void One_NaN_in_the_first_row_making_a_numeric_column_categorical_is_a_warning()
    {
        string csv = "a,b,y\nNaN,1,x\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i}.5,{i},{(i % 2 == 0 ? "x" : "y")}\n"));
        var notices = Convert(csv, new RecordConverterOptions { LabelColumn = "y" }).Notices;
        var warning = Assert.Single(notices, n => n.IsWarning);
        Assert.Contains("'a'", warning.Message);
        Assert.Contains("'NaN'", warning.Message);
        Assert.Contains("20 of its 21 values are numbers", warning.Message);
        Assert.Contains(notices, n => !n.IsWarning && n.Message.StartsWith("Column 'b' is numeric", StringComparison.Ordinal));
    }

    [Fact]
    public void One_text_label_turning_a_regression_into_a_classification_is_a_warning()
    {
        string csv = "a,y\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},{i * 1.5}\n")) + "31,oops\n";
        var converter = Convert(csv, new RecordConverterOptions { LabelColumn = "y" });
        var warning = Assert.Single(converter.Notices, n => n.IsWarning);
        Assert.Contains("31-class classification", warning.Message);
        Assert.Contains("'oops'", warning.Message);
        Assert.False(converter.IsRegression);
    }

    [Fact]
    public void Ordinary_data_gives_verbose_notices_and_no_warning()
    {
        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = "Species" });
        foreach (var r in CsvReader.ReadRecords(Data.TestData.IrisCsv)) converter.TryAdd(r, out _, r.Location);
        converter.ToDataset();
        Assert.DoesNotContain(converter.Notices, n => n.IsWarning);
        Assert.Contains(converter.Notices, n => n.Message.Contains("classification, because label 'setosa' is not a number", StringComparison.Ordinal));
        Assert.Equal(5, converter.Notices.Count); // four columns and the task
    }

    [Fact]
    public void CsvReader_hands_the_notices_to_its_caller()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "a,y\nNaN,x\n1,y\n2,x\n");
            var got = new List<ConversionNotice>();
            CsvReader.ReadDataset(path, new RecordConverterOptions { LabelColumn = "y" }, onNotice: got.Add);
            Assert.Contains(got, n => n.IsWarning && n.Message.Contains("'a'", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
