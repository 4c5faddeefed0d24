using System.Runtime.ExceptionServices;

namespace Graft.HeadTrainer.Heads.Mlp;

/// <summary>
/// A fixed team of threads that run one phase of work together and meet at its end — the fork/join of every MLP
/// step, four times per batch. Dedicated threads that spin briefly before sleeping join in about a microsecond, where
/// a thread-pool <see cref="Parallel.For(int, int, Action{int})"/> that must wake a sleeping worker after each serial
/// section cost tens (measured: the 64-row steps of the seed's head spent a third of their time waiting for it).
/// Worker 0 is the calling thread. Work is split by the caller from the worker index, never by timing, so results do
/// not depend on scheduling.
/// </summary>
internal sealed class WorkerTeam : IDisposable
{
    /// <summary>Spins (with yields) before a waiting worker sleeps on the monitor.</summary>
    private const int SpinsBeforeSleep = 2000;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private Action<int>? _work;
    private int _generation;
    private int _pending;
    private int _sleepers;
    private volatile bool _stop;
    private Exception? _error;

    public WorkerTeam(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _threads = new Thread[size - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            var id = i + 1;
            _threads[i] = new Thread(() => Loop(id)) { IsBackground = true, Name = $"graft-mlp-{id}" };
            _threads[i].Start();
        }
    }

    public int Size { get; }

    /// <summary>Runs <paramref name="work"/>(w) for every worker w in [0, Size) at once and returns when all are done.
    /// An exception in any worker is rethrown here.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stop, this);
        if (Size == 1)
        {
            work(0);
            return;
        }
        _work = work;
        _error = null;
        Volatile.Write(ref _pending, Size - 1);
        lock (_gate)
        {
            _generation++;
            if (_sleepers > 0) Monitor.PulseAll(_gate);
        }
        try
        {
            work(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
        _work = null;
        if (_error is not null) ExceptionDispatchInfo.Capture(_error).Throw();
    }

    private void Loop(int id)
    {
        var seen = 0;
        while (true)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen && !_stop)
            {
                if (spin.Count < SpinsBeforeSleep)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                lock (_gate)
                {
                    _sleepers++;
                    while (_generation == seen && !_stop) Monitor.Wait(_gate);
                    _sleepers--;
                }
            }
            if (_stop) return;
            // The generation cannot move on before this worker finishes (Run waits for it), so this is the one to run.
            seen = Volatile.Read(ref _generation);
            try
            {
                _work!(id);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        if (_stop) return;
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
