namespace NeuralPS.Core.Data;

/// <summary>Something the <see cref="RecordConverter"/> decided on its own that the user should know: how
/// each column was read (numeric or categorical, and why) and which task the labels made. A warning when
/// the decision was made by a minority of the values (one NaN in the first row made a numeric column
/// categorical; one text label made a regression a classification); otherwise for -Verbose.</summary>
public sealed record ConversionNotice(bool IsWarning, string Message)
{
    public override string ToString() => Message;
}
