using OrleansAssets.Tests.Cli;

namespace OrleansAssets.Tests.Http;

/// <summary>One dev-mode silo process, for every test of the collection: the CLI and the SDK over its gateway and over Orleans.</summary>
public sealed class DevSiloFixture : IAsyncLifetime
{
    public DevSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await DevSilo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();

    /// <summary><c>oa --url</c> the silo's gateway.</summary>
    public Task<OaResult> OverHttpAsync(params string[] arguments) => Oa.RunAsync(["--url", Silo.Url, .. arguments]);

    /// <summary>
    /// <c>oa --gateway</c> the silo's Orleans gateway, its cluster id learned from the gateway as a user's would be
    /// (a note on stderr; stdout is the command's own).
    /// </summary>
    public Task<OaResult> OverOrleansAsync(params string[] arguments) => Oa.RunAsync(["--gateway", Silo.Gateway, .. arguments]);
}

[CollectionDefinition(Name)]
public sealed class DevSiloCollection : ICollectionFixture<DevSiloFixture>
{
    public const string Name = "dev silo over HTTP and Orleans";
}
