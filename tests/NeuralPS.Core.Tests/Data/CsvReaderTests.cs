using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Core.Tests.Data;

public sealed class CsvReaderTests
{
    private static List<CsvRecord> Parse(string text, char delimiter = ',') => CsvReader.ReadRecords(new StringReader(text), "test.csv", delimiter).ToList();

    [Fact]
    public void Reads_header_and_rows_with_line_numbers()
    {
        var rows = Parse("a,b\n1,2\r\n3,4\r5,6");
        Assert.Equal(3, rows.Count);
        Assert.Equal(new[] { "a", "b" }, rows[0].Columns);
        Assert.Equal("4", rows[1]["b"]);
        Assert.Equal(new long[] { 2, 3, 4 }, rows.Select(r => r.LineNumber));
        Assert.Equal("test.csv line 3", rows[1].Location);
    }

    [Fact]
    public void Quoted_fields_hold_delimiters_quotes_and_line_breaks()
    {
        var rows = Parse("name,text\n\"x, y\",\"say \"\"hi\"\"\nthere\"\nlast,\"\"\n");
        Assert.Equal(2, rows.Count);
        Assert.Equal("x, y", rows[0]["name"]);
        Assert.Equal("say \"hi\"\nthere", rows[0]["text"]);
        Assert.Equal("", rows[1]["text"]);
        Assert.Equal(4, rows[1].LineNumber);
    }

    [Fact]
    public void Columns_are_found_case_insensitively_and_blank_lines_are_skipped()
    {
        var rows = Parse("Width;Kind\n\n1.5;a\n\n", ';');
        var r = Assert.Single(rows);
        Assert.True(r.TryGetValue("width", out var v));
        Assert.Equal("1.5", v);
    }

    [Theory]
    [InlineData("a,b\n1,2,3\n", "line 2 has 3 fields but the header has 2")]
    [InlineData("a,b\n1,\"2\n", "line 2: a quoted field is never closed")]
    [InlineData("a,a\n1,2\n", "header names column 'a' twice")]
    [InlineData("a,,c\n1,2,3\n", "header column 2 has no name")]
    [InlineData("a,b\n\"1\"x,2\n", "line 2, field 1: unexpected 'x' after a closing quote")]
    [InlineData("", "is empty")]
    public void Structural_faults_name_the_file_and_line(string text, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Parse(text));
        Assert.Contains("test.csv", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Shipped_iris_csv_has_150_rows_of_three_species()
    {
        var rows = CsvReader.ReadRecords(TestData.IrisCsv).ToList();
        Assert.Equal(150, rows.Count);
        Assert.Equal(new[] { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species" }, rows[0].Columns);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, rows.Select(r => (string)r["Species"]!).Distinct().Order());
        Assert.Equal("5.1", rows[0]["SepalLength"]);
    }

    [Fact]
    public void ReadDataset_skips_and_reports_bad_rows_with_file_line_and_column()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("nps-csv-").FullName, "flowers.csv");
        try
        {
            File.WriteAllText(path, "x,y,label\n1,2,a\n3,oops,b\n5,6,a\n7,,b\n");
            var errors = new List<RecordError>();
            var ds = CsvReader.ReadDataset(path, new RecordConverterOptions { LabelColumn = "label" }, errors.Add);
            Assert.Equal(2, ds.Count);
            Assert.Equal("flowers", ds.Name);
            Assert.Equal(2, errors.Count);
            Assert.Equal("flowers.csv line 3: property 'y' = 'oops' is not a number (the column is numeric, as its first value was; list it as categorical to one-hot encode it).", errors[0].Message);
            Assert.Equal("y", errors[0].Column);
            Assert.Equal("flowers.csv line 5: property 'y' is empty.", errors[1].Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, true);
        }
    }
}
