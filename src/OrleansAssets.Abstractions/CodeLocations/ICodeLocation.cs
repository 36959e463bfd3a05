using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansAssets;

/// <summary>
/// Declares, in one place, everything a user-code assembly exports: its assets, resources and IO managers,
/// as Dagster's <c>Definitions(...)</c>. Name the implementing type with <see cref="CodeLocationAttribute"/>.
/// </summary>
public interface ICodeLocation
{
    void Configure(ICodeLocationBuilder builder);
}

/// <summary>What a code location registers its definitions with.</summary>
public interface ICodeLocationBuilder
{
    /// <summary>The code location's name, as the silo's configuration gives it.</summary>
    string Name { get; }

    /// <summary>The silo's configuration (appsettings, environment variables), for resources.</summary>
    IConfiguration Configuration { get; }

    /// <summary>Services for this code location's asset classes, which get them through their constructors.</summary>
    IServiceCollection Services { get; }

    /// <summary>Adds every <see cref="AssetAttribute"/> method of <typeparamref name="TAssets"/>; the class is created per step with its constructor dependencies from <see cref="Services"/>.</summary>
    ICodeLocationBuilder AddAssets<TAssets>() where TAssets : class;

    /// <summary>
    /// Adds a resource: a typed settings or connection object bound from the configuration section
    /// <paramref name="configurationSection"/> (for example <c>Sales</c>, set as <c>Sales__CsvPath=...</c>) and
    /// injected into asset classes.
    /// </summary>
    ICodeLocationBuilder AddResource<TResource>(string configurationSection) where TResource : class;

    /// <summary>
    /// Adds an asset defined in code: its <paramref name="specification"/> and the delegate that materializes it
    /// (it runs after the asset's deps and returns the materialization's metadata).
    /// </summary>
    ICodeLocationBuilder AddAsset(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize);

    /// <summary>Adds an asset defined in code whose delegate returns a value for its IO manager to store (an <see cref="Output{T}"/>).</summary>
    ICodeLocationBuilder AddAsset<TValue>(AssetSpecification specification, Func<AssetContext, ValueTask<Output<TValue>>> materialize);

    /// <summary>
    /// Adds an asset defined in code that a method of <typeparamref name="TAssets"/> materializes: the class is created
    /// per step with its constructor dependencies from <see cref="Services"/>, as an asset class is.
    /// </summary>
    ICodeLocationBuilder AddAsset<TAssets>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<MaterializeResult>> materialize) where TAssets : class;

    /// <summary>As <see cref="AddAsset{TAssets}(AssetSpecification, Func{TAssets, AssetContext, ValueTask{MaterializeResult}})"/>, for a method that returns a value to store.</summary>
    ICodeLocationBuilder AddAsset<TAssets, TValue>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<Output<TValue>>> materialize) where TAssets : class;

    /// <summary>
    /// Adds the assets <paramref name="configure"/> adds as one group, optionally under a key prefix
    /// (<see cref="IAssetGroupBuilder.KeyPrefix"/>): what an asset factory uses so that what it makes is named and
    /// grouped in one place.
    /// </summary>
    ICodeLocationBuilder AddAssetGroup(string group, Action<IAssetGroupBuilder> configure);

    /// <summary>
    /// Adds a multi-asset: one step whose <paramref name="materialize"/> computes all of
    /// <paramref name="specification"/>'s outputs at once and returns a result for each (see <see cref="MultiAssetResult"/>).
    /// </summary>
    ICodeLocationBuilder AddMultiAsset(MultiAssetSpecification specification, Func<AssetContext, ValueTask<MultiAssetResult>> materialize);

    /// <summary>Adds every <see cref="OpAttribute"/> method of <typeparamref name="TOps"/> (created per step, as asset classes are).</summary>
    ICodeLocationBuilder AddOps<TOps>() where TOps : class;

    /// <summary>Adds a job: a named selection of assets and ops of this code location, launched by name.</summary>
    ICodeLocationBuilder AddJob(JobDefinition job);

    /// <summary>Adds a schedule: each tick of its cron runs its job or selection once.</summary>
    ICodeLocationBuilder AddSchedule(ScheduleDefinition schedule);

    /// <summary>Adds a sensor: a function evaluated on an interval that asks for runs.</summary>
    ICodeLocationBuilder AddSensor(SensorDefinition sensor);

    /// <summary>Adds a sensor that runs when given assets are materialized.</summary>
    ICodeLocationBuilder AddAssetSensor(AssetSensorDefinition sensor);

    /// <summary>Adds a sensor that runs when runs end with a given status.</summary>
    ICodeLocationBuilder AddRunStatusSensor(RunStatusSensorDefinition sensor);

    /// <summary>
    /// The retry policy of every asset and op of this code location that declares none of its own (by
    /// <see cref="RetryPolicyAttribute"/> or <see cref="AssetSpecification.RetryPolicy"/>). Without one, a failure of
    /// user code fails its step at once.
    /// </summary>
    ICodeLocationBuilder UseRetryPolicy(RetryPolicy policy);

    /// <summary>Adds an IO manager that assets name in <see cref="AssetAttribute.IOManager"/>.</summary>
    ICodeLocationBuilder AddIOManager<TIOManager>(string name) where TIOManager : class, IIOManager;

    /// <summary>
    /// Declares asset keys owned by another code location (loaded by other silos) that assets here depend on, so this
    /// location validates without loading that one. Not to be confused with <see cref="AddExternalAsset"/>.
    /// </summary>
    ICodeLocationBuilder AddAssetsFromOtherLocations(params string[] keys);

    /// <summary>
    /// Declares an external asset, Dagster's <c>AssetSpec</c> without a function: produced outside OrleansAssets
    /// (another system, a partner's file), shown in the lineage, depended on by assets here. No run ever materializes
    /// it; its materializations are reported (<c>oa report KEY</c>, <c>POST /api/v1/materializations</c>, the SDK's
    /// <c>ReportMaterializationAsync</c>). It stores no value: assets depend on it through <c>Deps</c>, not a parameter.
    /// Its specification's <c>CodeVersion</c> is ignored, as no code here computes it.
    /// </summary>
    ICodeLocationBuilder AddExternalAsset(AssetSpecification specification);
}

/// <summary>
/// Names the <see cref="ICodeLocation"/> of a user-code assembly, so the silo finds it without scanning types.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class CodeLocationAttribute(Type definitions) : Attribute
{
    public Type Definitions { get; } = definitions;

    /// <summary>The code location's default name; the silo's configuration may override it.</summary>
    public string? Name { get; set; }
}
