using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OrleansAssets.CodeLocations;

namespace OrleansAssets.Execution;

/// <summary>What user code handed back, with the value (if any) not yet stored.</summary>
internal sealed record InvocationResult(object? Value, IDictionary<string, MetadataValue> Metadata, string? DataVersion)
{
    /// <summary>Of a multi-asset: the results of the outputs other than the step's own asset, by key.</summary>
    public IReadOnlyDictionary<string, InvocationResult> Siblings { get; init; } = new Dictionary<string, InvocationResult>();
}

/// <summary>The user's asset method threw; kept apart from failures of the runtime around it.</summary>
internal sealed class UserCodeException(string message, Exception inner) : Exception(message, inner);

/// <summary>Calls one asset method: builds its class from the code location's services, fills its parameters, awaits it and reads what it returns.</summary>
internal static class AssetInvoker
{
    public static async Task<InvocationResult> InvokeAsync(
        AssetDefinition definition,
        IServiceProvider locationServices,
        AssetContext context,
        Func<AssetParameter, Task<object?>> loadInput,
        string? config = null)
    {
        // Inputs an asset added in code names in its specification are loaded when its code asks, by the same loader
        // that fills an attribute method's parameters.
        context = new AssetContext(
            context.AssetKey,
            context.RunId,
            context.Log,
            context.Attempt,
            context.CancellationToken,
            (name, type) => new ValueTask<object?>(loadInput(definition.Input(name, type))))
        {
            SelectedOutputs = context.SelectedOutputs,
        };
        var arguments = new object?[definition.Parameters.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            var parameter = definition.Parameters[i];
            arguments[i] = parameter.Kind switch
            {
                AssetParameterKind.Context => context,
                AssetParameterKind.CancellationToken => context.CancellationToken,
                AssetParameterKind.Config => ConfigSchema.Bind(definition.Key, parameter.Type, config),
                _ => await loadInput(parameter),
            };
        }

        if (definition.Multi is { } multi)
        {
            MultiAssetResult results;
            try
            {
                results = await multi.Materialize(context);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
            {
                throw new UserCodeException($"Multi-asset '{multi.Name}' threw {e.GetType().Name}: {e.Message}", e);
            }

            return ReadMulti(multi, context, results);
        }

        var instanceType = definition.Materialize is null
            ? (definition.Method.IsStatic ? null : definition.DeclaringType)
            : definition.InstanceType;
        await using var scope = locationServices.CreateAsyncScope();
        object? instance = null;
        var created = false;
        try
        {
            if (instanceType is not null)
            {
                instance = scope.ServiceProvider.GetService(instanceType);
                if (instance is null)
                {
                    instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, instanceType);
                    created = true;
                }
            }

            if (definition.Materialize is { } materialize)
            {
                return Read(await materialize(instance, context));
            }

            var returned = definition.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
            returned = await UnwrapAsync(definition.Method.ReturnType, returned);
            return Read(returned);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            var who = definition.Materialize is null ? $"{definition.DeclaringType.Name}.{definition.Method.Name}" : $"Asset '{definition.Key}'";
            throw new UserCodeException($"{who} threw {e.GetType().Name}: {e.Message}", e);
        }
        finally
        {
            if (created)
            {
                switch (instance)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync();
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
        }
    }

    /// <summary>Awaits Task, Task&lt;T&gt;, ValueTask and ValueTask&lt;T&gt; by the method's declared return type (an async method's task object is some derived type).</summary>
    private static async Task<object?> UnwrapAsync(Type declared, object? returned)
    {
        if (declared == typeof(void))
        {
            return null;
        }

        if (declared == typeof(Task))
        {
            await (Task)returned!;
            return null;
        }

        if (declared == typeof(ValueTask))
        {
            await (ValueTask)returned!;
            return null;
        }

        if (declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            returned = declared.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null);
            declared = typeof(Task<>).MakeGenericType(declared.GetGenericArguments());
        }

        if (declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var task = (Task)returned!;
            await task;
            return declared.GetProperty(nameof(Task<object>.Result))!.GetValue(task);
        }

        return returned;
    }

    /// <summary>A result for each selected output, and none for another: the user's mistake, named as theirs.</summary>
    private static InvocationResult ReadMulti(MultiAssetDefinition multi, AssetContext context, MultiAssetResult? results)
    {
        var missing = context.SelectedOutputs.Where(k => results is null || !results.TryGet(k, out _)).ToList();
        var unexpected = results?.Keys.Where(k => !context.SelectedOutputs.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList() ?? [];
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0)
            {
                problems.Add($"returned no result for {string.Join(", ", missing.Select(k => $"'{k}'"))}");
            }

            if (unexpected.Count > 0)
            {
                var notOutputs = unexpected.Where(k => !multi.Outputs.Contains(k, StringComparer.Ordinal)).ToList();
                problems.Add(notOutputs.Count > 0
                    ? $"returned results for {string.Join(", ", notOutputs.Select(k => $"'{k}'"))}, which are not its outputs ({string.Join(", ", multi.Outputs)})"
                    : $"returned results for {string.Join(", ", unexpected.Select(k => $"'{k}'"))}, which this run did not select (see context.SelectedOutputs)");
            }

            var error = new InvalidOperationException($"it {string.Join(", and ", problems)}");
            throw new UserCodeException($"Multi-asset '{multi.Name}' {error.Message}", error);
        }

        var own = Read(results![context.AssetKey]);
        return own with
        {
            Siblings = context.SelectedOutputs.Where(k => k != context.AssetKey).ToDictionary(k => k, k => Read(results[k]), StringComparer.Ordinal),
        };
    }

    private static InvocationResult Read(object? returned) => returned switch
    {
        null => new InvocationResult(null, new Dictionary<string, MetadataValue>(), null),
        MaterializeResult result => new InvocationResult(null, result.Metadata, result.DataVersion),
        IOutput output => new InvocationResult(output.Value, output.Metadata, output.DataVersion),
        _ => new InvocationResult(returned, new Dictionary<string, MetadataValue>(), null),
    };
}
