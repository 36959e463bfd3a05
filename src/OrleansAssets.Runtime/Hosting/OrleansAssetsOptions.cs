namespace OrleansAssets.Hosting;

/// <summary>
/// Settings of an OrleansAssets silo, bound from the <c>OrleansAssets</c> configuration section
/// (<c>OrleansAssets__...</c> as environment variables).
/// </summary>
public sealed class OrleansAssetsOptions
{
    public const string SectionName = "OrleansAssets";

    /// <summary>The user-code assemblies this silo loads.</summary>
    public List<CodeLocationOptions> CodeLocations { get; set; } = [];

    /// <summary>The default IO manager's storage.</summary>
    public FileSystemIOManagerOptions IOManager { get; set; } = new();

    /// <summary>How many steps of one run materialize at the same time.</summary>
    /// <remarks>
    /// A step in flight holds no thread while it waits for a silo's slot or for its outcome's commit, and user code
    /// is bounded per silo (<see cref="MaxConcurrentStepsPerSilo"/>); with 16, a run's steps across three silos were
    /// too few to fill the write batches (2.5 writes per commit, 295 steps/s on the benchmark's cluster; 64: 0.11
    /// commits per step, 451 steps/s).
    /// </remarks>
    public int MaxConcurrentStepsPerRun { get; set; } = 64;

    /// <summary>How many steps run user code on one silo at the same time; more wait for a slot.</summary>
    public int MaxConcurrentStepsPerSilo { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>How long a silo that is asked to stop (SIGTERM) waits for its running steps before it leaves.</summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many materializations an asset grain keeps in its state; the run storage keeps them all.</summary>
    public int AssetHistoryLength { get; set; } = 20;

    /// <summary>
    /// The longest a step's code may run, unless its asset or op sets its own (<see cref="AssetAttribute.MaxRunTimeSeconds"/>):
    /// past it, its cancellation token fires and the attempt fails as timed out (a retry policy may try it again).
    /// Null: no limit.
    /// </summary>
    public TimeSpan? StepTimeout { get; set; }

    /// <summary>How often a step is tried again when its attempt is lost with a silo (user-code failures follow the step's retry policy).</summary>
    public int MaxStepAttempts { get; set; } = 5;

    /// <summary>How long a step waits for a silo that loads its code location before it fails.</summary>
    public TimeSpan CodeLocationWaitTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a canceled run's running step has to stop after its cancellation token fires; one that ignores it
    /// is then abandoned (its code may still finish, unrecorded) and recorded as canceled.
    /// </summary>
    public TimeSpan CancelGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The run queue: how many runs run at once, overall and per tag.</summary>
    public RunQueueOptions RunQueue { get; set; } = new();

    /// <summary>Schedules and sensors.</summary>
    public AutomationOptions Automation { get; set; } = new();

    public CodeLocationOptions AddCodeLocation(string name, string assemblyPath)
    {
        var location = new CodeLocationOptions { Name = name, Assembly = assemblyPath };
        CodeLocations.Add(location);
        return location;
    }

    /// <summary>Adds a code location compiled into the host (tests, single-binary deployments).</summary>
    public CodeLocationOptions AddCodeLocation<TDefinitions>(string? name = null) where TDefinitions : ICodeLocation, new()
    {
        var location = new CodeLocationOptions { Name = name, Definitions = typeof(TDefinitions) };
        CodeLocations.Add(location);
        return location;
    }
}

/// <summary>The run queue's limits, from <c>OrleansAssets:RunQueue</c> (as Dagster's QueuedRunCoordinator).</summary>
public sealed class RunQueueOptions
{
    /// <summary>Runs started at once, across the cluster; more wait in the queue, highest priority first.</summary>
    public int MaxConcurrentRuns { get; set; } = 100;

    /// <summary>
    /// Per-tag limits, as Dagster's <c>tag_concurrency_limits</c>: at most <c>Limit</c> runs with the tag <c>Key</c>
    /// (and <c>Value</c>, when given) at once. <c>OrleansAssets__RunQueue__TagLimits__0__Key=db</c>, <c>...__Value=postgres</c>, <c>...__Limit=1</c>.
    /// </summary>
    public List<TagLimitOptions> TagLimits { get; set; } = [];
}

/// <summary>Schedules and sensors, from <c>OrleansAssets:Automation</c>.</summary>
public sealed class AutomationOptions
{
    /// <summary>
    /// How late a schedule's tick may be handled and still run as on time (the loss of the silo holding it and the
    /// pick-up by a survivor fit in it); older ticks are misfires, handled by the schedule's misfire policy.
    /// </summary>
    public TimeSpan MisfireAfter { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class TagLimitOptions
{
    public string? Key { get; set; }

    public string? Value { get; set; }

    public int Limit { get; set; }
}

/// <summary>One user-code assembly: its name in the cluster and where to load it from.</summary>
public sealed class CodeLocationOptions
{
    /// <summary>The code location's name; when not set, the name in the assembly's <see cref="CodeLocationAttribute"/>.</summary>
    public string? Name { get; set; }

    /// <summary>The path of the user-code assembly; a relative path is looked up in the working directory, then beside the silo.</summary>
    public string? Assembly { get; set; }

    /// <summary>An <see cref="ICodeLocation"/> compiled into the host, instead of <see cref="Assembly"/>.</summary>
    public Type? Definitions { get; set; }
}

public sealed class FileSystemIOManagerOptions
{
    /// <summary>Where values are stored; compose mounts a shared volume here so every silo sees every value.</summary>
    public string Root { get; set; } = Path.Combine(".oa", "storage");

    /// <summary>The newest versions of each asset's value that are always kept, however old.</summary>
    public int KeepVersions { get; set; } = 10;

    /// <summary>
    /// Versions younger than this are never deleted, however many there are: a run's downstream steps must find the
    /// value its upstream step wrote even while many other runs write newer ones.
    /// </summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromHours(24);
}
