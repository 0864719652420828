using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Engine/IO exceptions → ErrorRecord category and id.</summary>
public sealed class ErrorClassifierTests
{
    public static TheoryData<Exception, string, string> Cases => new()
    {
        { new ShapeMismatchException("s"), "InvalidArgument", "ShapeMismatch" },
        { new InvalidConfigurationException("c"), "InvalidArgument", "InvalidConfiguration" },
        { new DataFormatException("d"), "InvalidData", "DataFormat" },
        { new ModelFileException("m"), "InvalidData", "ModelFile" },
        { new FileExistsException("e"), "ResourceExists", "FileExists" },
        { new FileNotFoundException("f"), "ObjectNotFound", "FileNotFound" },
        { new DirectoryNotFoundException("f"), "ObjectNotFound", "FileNotFound" },
        { new UnauthorizedAccessException("u"), "PermissionDenied", "AccessDenied" },
        { new IOException("io"), "ReadError", "ReadFailed" },
        { new OperationCanceledException(), "OperationStopped", "Stopped" },
        { new ArgumentException("a"), "InvalidArgument", "InvalidArgument" },
        { new InvalidCastException("x"), "InvalidType", "InvalidType" },
        { new InvalidOperationException("?"), "NotSpecified", "Unexpected" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_exception_maps_to_a_category_and_id(Exception e, string kind, string id)
    {
        var (k, i) = ErrorClassifier.Classify(e);
        Assert.Equal((kind, id), (k.ToString(), i));
    }

    [Fact]
    public void An_IO_failure_while_writing_is_a_write_error()
    {
        Assert.Equal((ErrorKind.WriteError, "WriteFailed"), ErrorClassifier.Classify(new IOException("disk full"), writing: true));
        Assert.Equal(ErrorKind.ResourceExists, ErrorClassifier.Classify(new FileExistsException("e"), writing: true).Kind);
    }

    [Fact]
    public void Every_kind_is_a_PowerShell_ErrorCategory_name()
    {
        var categories = Enum.GetNames(typeof(System.Management.Automation.ErrorCategory));
        foreach (var kind in Enum.GetNames<ErrorKind>()) Assert.Contains(kind, categories);
    }

    [Fact]
    public void Shape_and_overwrite_errors_recommend_an_action()
    {
        Assert.Contains("unchanged", ErrorClassifier.RecommendedAction(new ShapeMismatchException("s")));
        Assert.Contains("-Force", ErrorClassifier.RecommendedAction(new FileExistsException("e")));
        Assert.Null(ErrorClassifier.RecommendedAction(new IOException()));
    }
}
