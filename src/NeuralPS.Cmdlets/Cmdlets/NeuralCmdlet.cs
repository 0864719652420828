using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;

namespace NeuralPS.Cmdlets;

/// <summary>What every NeuralPS cmdlet shares: engine exceptions → ErrorRecords with a category and
/// the target object, PSObject unwrapping, and file-system path resolution through the provider.
/// Must not mention a NeuralPS.Core type in a field or signature (see ModuleInitializer).</summary>
public abstract class NeuralCmdlet : PSCmdlet
{
    /// <summary>The parameter sets of the cmdlets that take a file by -Path (wildcards) or -LiteralPath.</summary>
    private protected const string PathSet = "Path";
    private protected const string LiteralPathSet = "LiteralPath";

    /// <summary>Stops the command: a terminating error built from an engine/IO exception.</summary>
    [DoesNotReturn]
    private protected void ThrowError(Exception exception, object? target, string? errorId = null, bool writing = false)
    {
        ThrowTerminatingError(ToErrorRecord(exception, target, errorId, writing));
        throw new InvalidOperationException("ThrowTerminatingError returned."); // unreachable; satisfies [DoesNotReturn]
    }

    /// <summary><see cref="ThrowError"/> for helpers shared by several cmdlets.</summary>
    [DoesNotReturn]
    internal void Fail(Exception exception, object? target) => ThrowError(exception, target);

    /// <summary>A non-terminating error: the command goes on with the next input.</summary>
    private protected void WriteNonTerminatingError(Exception exception, object? target, string? errorId = null)
    {
        WriteError(ToErrorRecord(exception, target, errorId));
    }

    private protected static ErrorRecord ToErrorRecord(Exception exception, object? target, string? errorId = null, bool writing = false)
    {
        if (exception is RuntimeException { ErrorRecord: { } existing } && errorId is null) return existing;
        var (kind, id) = ErrorClassifier.Classify(exception, writing);
        var record = new ErrorRecord(exception, errorId ?? id, ToCategory(kind), target);
        string? action = ErrorClassifier.RecommendedAction(exception);
        if (action is not null) record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
        return record;
    }

    private static ErrorCategory ToCategory(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.InvalidType => ErrorCategory.InvalidType,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>The object under PowerShell's PSObject wrapper (PSCustomObjects stay wrapped: their
    /// properties live on the wrapper).</summary>
    private protected static object? Unwrap(object? value)
    {
        while (value is PSObject pso)
        {
            object baseObject = pso.BaseObject;
            if (baseObject is PSCustomObject || ReferenceEquals(baseObject, pso)) return pso;
            value = baseObject;
        }
        return value;
    }

    /// <summary>Unwraps a value and, when it is a list (object[] of PSObjects from a parameter), each element.</summary>
    private protected static object? UnwrapDeep(object? value)
    {
        value = Unwrap(value);
        if (value is object[] array)
        {
            var copy = new object?[array.Length];
            for (int i = 0; i < array.Length; i++) copy[i] = Unwrap(array[i]);
            return copy;
        }
        return value;
    }

    /// <summary>A path the user gave, as a file-system path: -Path may hold wildcards that must match
    /// existing items; -LiteralPath is taken as written. Both go through the current provider, so
    /// relative paths follow PowerShell's current location (not the process's) and PSDrives work.</summary>
    private protected IReadOnlyList<string> ResolveExistingPaths(string path, bool literal)
    {
        if (literal)
        {
            string full = GetUnresolvedFileSystemPath(path);
            if (!File.Exists(full) && !Directory.Exists(full))
                throw new FileNotFoundException($"Cannot find the file '{full}' because it does not exist.", full);
            return new[] { full };
        }
        Collection<string> resolved;
        ProviderInfo provider;
        try
        {
            resolved = GetResolvedProviderPathFromPSPath(path, out provider);
        }
        catch (ItemNotFoundException e)
        {
            throw new FileNotFoundException(e.Message, path, e);
        }
        EnsureFileSystem(provider, path);
        if (resolved.Count == 0)
            throw new FileNotFoundException($"No file matches '{path}'.", path);
        return resolved;
    }

    /// <summary>The file a writing cmdlet writes, as Out-File and Export-Csv resolve it: -LiteralPath as
    /// written; -Path with wildcard characters must match one existing file (several are an error), and
    /// a path that matches nothing is the new file's name as written. Relative to PowerShell's location.</summary>
    private protected string ResolveFileToWrite(string path, bool literal, string parameter)
    {
        if (literal || !WildcardPattern.ContainsWildcardCharacters(path)) return GetUnresolvedFileSystemPath(path);
        Collection<string> matches;
        ProviderInfo provider;
        try
        {
            matches = GetResolvedProviderPathFromPSPath(path, out provider);
        }
        catch (ItemNotFoundException)
        {
            return GetUnresolvedFileSystemPath(path);
        }
        EnsureFileSystem(provider, path);
        return matches.Count == 0 ? GetUnresolvedFileSystemPath(path) : PathChoice.Single(matches, path, parameter);
    }

    /// <summary>What a cmdlet that writes one file (parameter sets "Path" and "LiteralPath", and -Force) would
    /// write: the path resolved as <see cref="ResolveFileToWrite"/> does, checked by <see cref="SavePlan.Decide"/>.
    /// A path that cannot be written is a terminating error naming it; an existing file is refused later, in
    /// the real operation (<see cref="SavePlan.EnsureAllowed"/>), so -WhatIf describes it.</summary>
    private protected SavePlan PlanFileWrite(string path, string literalPath, bool force)
    {
        bool literal = ParameterSetName == LiteralPathSet;
        string given = literal ? literalPath : path;
        try
        {
            return SavePlan.Decide(ResolveFileToWrite(given, literal, literal ? LiteralPathSet : PathSet), force);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            ThrowError(e, given);
            throw; // not reached: ThrowError throws
        }
    }

    /// <summary>A path that may not exist yet (a file to write), resolved against the provider.</summary>
    private protected string GetUnresolvedFileSystemPath(string path)
    {
        string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
        EnsureFileSystem(provider, path);
        return full;
    }

    private static void EnsureFileSystem(ProviderInfo provider, string path)
    {
        if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{path}' is on the {provider.Name} provider; NeuralPS reads and writes files on the FileSystem provider only.");
    }

    /// <summary>Hands pipeline input to a collecting command: datasets whole, records one by one; a record
    /// that cannot be converted is a non-terminating error with the record as target, anything else
    /// about the input stops the command.</summary>
    private protected void CollectInput(object? inputObject, IRecordSink sink)
    {
        foreach (var item in ExpandInput(inputObject))
        {
            try
            {
                if (item is NeuralPS.Core.Data.Dataset dataset)
                {
                    sink.AddDataset(dataset);
                    continue;
                }
                var record = (RecordView)item;
                var error = sink.AddRecord(record);
                if (error is not null) WriteNonTerminatingError(new NeuralPS.Core.DataFormatException(error.Message), record.Source, "BadRecord");
            }
            catch (Exception e) when (e is NeuralPS.Core.NeuralException or ArgumentException)
            {
                ThrowError(e, inputObject);
            }
        }
    }

    /// <summary>True when bare numbers on the pipeline are steps of a series (forecasting).</summary>
    private protected virtual bool AcceptsNumbers => false;

    private protected static bool IsEnumerableData(object? value) =>
        value is IEnumerable and not string and not IDictionary;
    /// <summary>Turns one pipeline input into what the engine reads: a dataset object (Dataset passes
    /// through as itself), or records — a hashtable/dictionary, a PSCustomObject (Import-Csv rows) or
    /// any object with properties. Lists are expanded. An input that cannot be a record (a bare number
    /// or string) is a non-terminating error and is skipped.</summary>
    private protected IEnumerable<object> ExpandInput(object? input)
    {
        object? item = Unwrap(input);
        switch (item)
        {
            case null:
                yield break;
            case IDictionary dictionary:
                yield return RecordView.FromDictionary(dictionary, input!, Unwrap);
                yield break;
            case ValueType when AcceptsNumbers && item is not bool and not char:
                // A series on the pipeline: each number is one step.
                yield return new RecordView(input!).Add(SeriesInput.NumberProperty, item);
                yield break;
            case string or ValueType:
                WriteNonTerminatingError(
                    new InvalidCastException($"The input '{item}' is a {item.GetType().Name}, not a record: pipe objects with properties (Import-Csv rows, [pscustomobject]s, hashtables) or a dataset."),
                    input, "NotARecord");
                yield break;
            case IEnumerable list when item is not PSObject:
                foreach (var element in list)
                {
                    foreach (var expanded in ExpandInput(element)) yield return expanded;
                }
                yield break;
        }
        if (item is NeuralPS.Core.Data.Dataset)
        {
            yield return item;
            yield break;
        }
        var pso = item as PSObject ?? PSObject.AsPSObject(item);
        var record = new RecordView(input!);
        foreach (var property in pso.Properties)
        {
            if (!property.IsGettable) continue;
            object? value;
            try
            {
                value = Unwrap(property.Value);
            }
            catch (GetValueException)
            {
                value = null; // reported by the converter as an empty property if it is one we need
            }
            record.Add(property.Name, value);
        }
        yield return record;
    }
}
