using OrleansAssets.Storage;
using OrleansAssets.Testing;

namespace OrleansAssets.Tests.Unit;

/// <summary>The in-memory store of dev mode keeps the same write rules as the Postgres store.</summary>
public sealed class InMemoryRunStoreConformanceTests : RunStoreConformanceTests
{
    protected override Task<IRunStore> StoreAsync() => Task.FromResult<IRunStore>(new InMemoryRunStore());
}
