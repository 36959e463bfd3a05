using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OrleansAssets.CodeLocations;

namespace OrleansAssets.Execution;

/// <summary>What user code handed back, with the value (if any) not yet stored.</summary>
internal sealed record InvocationResult(object? Value, IDictionary<string, MetadataValue> Metadata, string? DataVersion);

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
            (name, type) => new ValueTask<object?>(loadInput(definition.Input(name, type))));
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

    private static InvocationResult Read(object? returned) => returned switch
    {
        null => new InvocationResult(null, new Dictionary<string, MetadataValue>(), null),
        MaterializeResult result => new InvocationResult(null, result.Metadata, result.DataVersion),
        IOutput output => new InvocationResult(output.Value, output.Metadata, output.DataVersion),
        _ => new InvocationResult(returned, new Dictionary<string, MetadataValue>(), null),
    };
}
