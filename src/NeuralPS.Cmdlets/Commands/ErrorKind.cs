namespace NeuralPS.Cmdlets.Commands;

/// <summary>The PowerShell ErrorCategory an error belongs to, named exactly like the
/// System.Management.Automation.ErrorCategory members so the cmdlet glue maps by name.</summary>
internal enum ErrorKind
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidType,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    PermissionDenied,
    ReadError,
    WriteError,
    OperationStopped,
}
