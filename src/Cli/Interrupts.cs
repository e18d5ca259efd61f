using System.Runtime.InteropServices;

namespace Recommender.Cli;

/// <summary>
/// Ctrl-C and SIGTERM for the whole process. The first signal asks the running command to stop at its
/// next safe point when it registered one (training stops after the epoch it is in, with that epoch's
/// checkpoint written); otherwise, and on the second signal, the command's token is cancelled. A third
/// signal ends the process at once with <see cref="CommandRunner.Interrupted"/>.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _gate = new();
    private Func<bool>? _safePoint;
    private int _signals;

    private Interrupts()
    {
    }

    /// <summary>The handler of this process, or null before <see cref="Install"/> (in-process callers).</summary>
    public static Interrupts? Current { get; private set; }

    /// <summary>Cancelled when the command must stop now.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>True once a signal arrived, whether the command stops at a safe point or at once.</summary>
    public bool Requested => Volatile.Read(ref _signals) > 0;

    /// <summary>Takes over SIGINT and SIGTERM for this process.</summary>
    public static Interrupts Install()
    {
        var interrupts = new Interrupts();
        foreach (PosixSignal signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            interrupts._registrations.Add(PosixSignalRegistration.Create(signal, interrupts.OnSignal));
        }

        Current = interrupts;
        return interrupts;
    }

    /// <summary>
    /// While the returned scope lives, the first signal calls <paramref name="arrange"/> instead of cancelling;
    /// it returns true when it arranged a stop at the next safe point, false to be cancelled at once.
    /// </summary>
    public IDisposable OnFirstSignal(Func<bool> arrange)
    {
        lock (_gate)
        {
            _safePoint = arrange;
        }

        return new Scope(this);
    }

    /// <summary>Cancels the command's token now.</summary>
    public void CancelNow()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        if (Current == this)
        {
            Current = null;
        }

        _cancel.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The process decides how it ends: no signal terminates it by default.
        context.Cancel = true;
        int signals = Interlocked.Increment(ref _signals);
        Func<bool>? safePoint;
        lock (_gate)
        {
            safePoint = _safePoint;
        }

        if (signals == 1 && safePoint is not null && safePoint())
        {
            return;
        }

        if (signals <= 2)
        {
            CancelNow();
            return;
        }

        Environment.Exit(CommandRunner.Interrupted);
    }

    private sealed class Scope(Interrupts owner) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._safePoint = null;
            }
        }
    }
}
