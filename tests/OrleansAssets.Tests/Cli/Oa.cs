using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansAssets.Tests.Cli;

/// <summary>What one run of the <c>oa</c> process gave: exit code, both streams, and how long it took.</summary>
public sealed record OaResult(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F2} s\nstdout: {Output}\nstderr: {Error}";
}

/// <summary>A running <c>oa</c>: what it printed so far, and its end.</summary>
public sealed class OaProcess
{
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly System.Text.StringBuilder _output = new();
    private readonly System.Text.StringBuilder _error = new();
    private readonly TaskCompletionSource _outputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _command;

    public OaProcess(ProcessStartInfo start, string command)
    {
        _command = command;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data, _outputEnded);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data, _errorEnded);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What it printed on stderr so far (progress of a wait goes there with --json, and retries always).</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public async Task<OaResult> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(_outputEnded.Task, _errorEnded.Task).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"oa {_command} did not end within 60 s; it printed: {Output}");
        }

        lock (_error)
        {
            return new OaResult(_process.ExitCode, Output, _error.ToString(), _clock.Elapsed);
        }
    }

    private static void Append(System.Text.StringBuilder into, string? line, TaskCompletionSource ended)
    {
        if (line is null)
        {
            ended.TrySetResult();
            return;
        }

        lock (into)
        {
            into.Append(line).Append('\n');
        }
    }
}

/// <summary>
/// Runs the built <c>oa.dll</c> as a process, as a user does, in an environment with nothing that points it at a
/// cluster (no OA_*, ConnectionStrings__*, OrleansAssets__* and an empty OA_HOME) unless the test sets it.
/// </summary>
public static class Oa
{
    public static readonly string Root = FindRoot();

    private static readonly string Dll = Path.Combine(Root, "client", "bin", Configuration, "net10.0", "oa.dll");

    /// <summary>The configuration these tests were built in, which the CLI was built in too.</summary>
    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static Task<OaResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Start(environment, arguments).WaitForExitAsync();

    /// <summary>Starts <c>oa</c> and returns at once, for a test that acts on what it prints while it runs.</summary>
    public static OaProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("OA_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("OrleansAssets__", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        start.Environment["OA_HOME"] = EmptyHome;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new OaProcess(start, string.Join(' ', arguments));
    }

    public static Task<OaResult> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    /// <summary>An OA_HOME with no context file, so nothing but the test's settings says where a cluster is.</summary>
    public static readonly string EmptyHome = Directory.CreateTempSubdirectory("oa-cli-home-").FullName;

    /// <summary>A loopback port nothing listens on (bound and released at once).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>No stack trace, no .NET type names: what a user sees is ours.</summary>
    public static void AssertOurWords(OaResult result)
    {
        var all = result.Output + result.Error;
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", all, StringComparison.Ordinal);
        Assert.DoesNotContain("OrleansAssets.", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansAssets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No OrleansAssets.sln above {AppContext.BaseDirectory}");
    }
}
