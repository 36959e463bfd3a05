namespace OrleansAssets;

/// <summary>A problem a user can act on; its message says what is wrong and names what is involved.</summary>
[GenerateSerializer, Alias("oa.OrleansAssetsException")]
public class OrleansAssetsException : Exception
{
    public OrleansAssetsException()
    {
    }

    public OrleansAssetsException(string message) : base(message)
    {
    }

    public OrleansAssetsException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A selection names assets, groups or tags that do not exist, or is not valid syntax.</summary>
[GenerateSerializer, Alias("oa.AssetSelectionException")]
public sealed class AssetSelectionException : OrleansAssetsException
{
    public AssetSelectionException()
    {
    }

    public AssetSelectionException(string message) : base(message)
    {
    }

    public AssetSelectionException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The asset graph is invalid: duplicate keys, unknown dependencies, cycles, parameters that name no asset.</summary>
[GenerateSerializer, Alias("oa.AssetGraphException")]
public sealed class AssetGraphException : OrleansAssetsException
{
    public AssetGraphException()
    {
    }

    public AssetGraphException(string message) : base(message)
    {
    }

    public AssetGraphException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A key or id the cluster does not know.</summary>
[GenerateSerializer, Alias("oa.NotFoundException")]
public sealed class NotFoundException : OrleansAssetsException
{
    public NotFoundException()
    {
    }

    public NotFoundException(string message) : base(message)
    {
    }

    public NotFoundException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>No live silo loads the code location a step needs.</summary>
[GenerateSerializer, Alias("oa.CodeLocationUnavailableException")]
public sealed class CodeLocationUnavailableException : OrleansAssetsException
{
    public CodeLocationUnavailableException()
    {
    }

    public CodeLocationUnavailableException(string message) : base(message)
    {
    }

    public CodeLocationUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// The run storage could not be read or written (the database is unreachable or refused). Carries the database's
/// message, not its exception, which could not cross a grain call.
/// </summary>
[GenerateSerializer, Alias("oa.StorageUnavailableException")]
public sealed class StorageUnavailableException : OrleansAssetsException
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>An asset's stored state moved on since this activation read it (another activation wrote it).</summary>
[GenerateSerializer, Alias("oa.AssetStateConflictException")]
public sealed class AssetStateConflictException : OrleansAssetsException
{
    public AssetStateConflictException()
    {
    }

    public AssetStateConflictException(string message) : base(message)
    {
    }

    public AssetStateConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The silo is stopping (a graceful shutdown) and takes no new work; the caller places it elsewhere.</summary>
[GenerateSerializer, Alias("oa.SiloStoppingException")]
public sealed class SiloStoppingException : OrleansAssetsException
{
    public SiloStoppingException()
    {
    }

    public SiloStoppingException(string message) : base(message)
    {
    }

    public SiloStoppingException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A run's config does not fit its steps: an unknown step or field, a missing field, a wrong type. Nothing runs.</summary>
[GenerateSerializer, Alias("oa.RunConfigException")]
public sealed class RunConfigException : OrleansAssetsException
{
    public RunConfigException()
    {
    }

    public RunConfigException(string message) : base(message)
    {
    }

    public RunConfigException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A cron expression or a time zone is not valid; the message says which and what is wrong.</summary>
[GenerateSerializer, Alias("oa.ScheduleException")]
public sealed class ScheduleException : OrleansAssetsException
{
    public ScheduleException()
    {
    }

    public ScheduleException(string message) : base(message)
    {
    }

    public ScheduleException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// A materialization was reported for an asset that is not external: runs materialize it (<c>oa materialize</c>),
/// and only an external asset's materializations are reported.
/// </summary>
[GenerateSerializer, Alias("oa.NotExternalAssetException")]
public sealed class NotExternalAssetException : OrleansAssetsException
{
    public NotExternalAssetException()
    {
    }

    public NotExternalAssetException(string message) : base(message)
    {
    }

    public NotExternalAssetException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
