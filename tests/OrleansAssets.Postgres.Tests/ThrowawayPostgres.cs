using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// A Postgres server of one test's own (initdb into a temporary folder, a free port on loopback), for tests that
/// stop and start the database on purpose: they never touch the server other test collections share.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private static readonly bool IsRoot = Environment.UserName == "root";
    private readonly string _bin;
    private readonly string _root;

    private ThrowawayPostgres(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_root, "data");

    /// <summary>As root the socket goes beside the system server's, where scripts/postgres looks for one.</summary>
    private string SocketDirectory => IsRoot ? "/var/run/postgresql" : _root;

    /// <summary>The role and password README's settings use, allowed to create databases.</summary>
    public string ServerConnectionString => $"Host=127.0.0.1;Port={Port};Username=orleansassets;Password=orleansassets;Database=postgres";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(Directory.Exists).OrderBy(v => v, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException("No PostgreSQL binaries under /usr/lib/postgresql; README's test command installs them.");
        var root = Directory.CreateTempSubdirectory("oa-pg-").FullName;
        var server = new ThrowawayPostgres(bin, root, FreePort());
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres", root]);
            Directory.CreateDirectory("/var/run/postgresql");
            await RunAsync("chown", ["postgres:postgres", "/var/run/postgresql"]);
        }

        await server.AsServerUserAsync("initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync"]);
        await server.StartAgainAsync();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=postgres;Database=postgres");
        await connection.OpenAsync();
        await using var role = new NpgsqlCommand("create role orleansassets login createdb password 'orleansassets'", connection);
        await role.ExecuteNonQueryAsync();
        return server;
    }

    /// <summary>Stops the server the way an operator restarting it would (fast: connections are cut).</summary>
    public Task StopAsync() => AsServerUserAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"]);

    public Task StartAgainAsync() => AsServerUserAsync("pg_ctl",
    [
        "-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "start",
        "-o", $"-p {Port} -k {SocketDirectory} -c listen_addresses=127.0.0.1 -c fsync=off",
    ]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Stopped already.
        }

        Directory.Delete(_root, recursive: true);
    }

    private Task AsServerUserAsync(string program, string[] arguments) => IsRoot
        ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. arguments])
        : RunAsync(Path.Combine(_bin, program), arguments);

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
