namespace NeuralPS.Core.Tensors;

/// <summary>A limit on the float32 values <see cref="Tensor"/> may allocate on this thread while a scope is
/// open. The model reader opens one sized by the bytes its weights section actually holds before it rebuilds
/// the layers from the architecture section, so a few bytes that describe a Dense layer of millions of units
/// are refused before the weights (and their gradients) are allocated and initialised, instead of after.
/// Thread-static: a scope covers exactly the synchronous work between <see cref="Limit"/> and Dispose on the
/// thread that opened it; other threads (trainings, predictions) are never affected.</summary>
internal static class AllocationBudget
{
    [ThreadStatic] private static Scope? _current;

    /// <summary>Opens a scope in which at most <paramref name="floats"/> values may be allocated in tensors.
    /// Exceeding it throws <see cref="InvalidConfigurationException"/> with <paramref name="reason"/> and the
    /// numbers, before anything is allocated. Scopes nest; the innermost applies.</summary>
    public static IDisposable Limit(long floats, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        var scope = new Scope(floats, reason, _current);
        _current = scope;
        return scope;
    }

    /// <summary>Called by <see cref="Tensor"/> before it allocates <paramref name="floats"/> values.</summary>
    internal static void Take(long floats)
    {
        var scope = _current;
        if (scope is null) return;
        if (floats > scope.Remaining)
            throw new InvalidConfigurationException(
                $"{scope.Reason}: a tensor of {floats:N0} values would bring the total past the {scope.Limit:N0} values allowed.");
        scope.Remaining -= floats;
    }

    private sealed class Scope : IDisposable
    {
        private readonly Scope? _outer;
        private bool _disposed;

        public Scope(long limit, string reason, Scope? outer)
        {
            Limit = Remaining = limit;
            Reason = reason;
            _outer = outer;
        }

        public long Limit { get; }
        public long Remaining { get; set; }
        public string Reason { get; }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (ReferenceEquals(_current, this)) _current = _outer;
        }
    }
}
