using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using OrleansAssets.Client;

namespace OrleansAssets.Gateway.Api;

/// <summary>
/// Turns what went wrong into an RFC 9457 problem detail whose <c>detail</c> names the problem: bad input is a 4xx
/// (an unknown key 404, a bad selection, body, limit or cursor 400), the cluster or its storage away a 503.
/// </summary>
internal sealed partial class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = Classify(exception);
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
        {
            LogUnexpected(logger, exception, context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = status == StatusCodes.Status500InternalServerError ? "The gateway failed unexpectedly; its log says why." : Detail(exception),
            },
        });
    }

    public static (int Status, string Title) Classify(Exception exception) => exception switch
    {
        // Titles the HTTP client reads back as the SDK's own exceptions.
        RunConfigException => (StatusCodes.Status400BadRequest, Client.Http.ProblemTitles.RunConfig),
        ScheduleException => (StatusCodes.Status400BadRequest, Client.Http.ProblemTitles.Schedule),
        RunEndedException => (StatusCodes.Status409Conflict, Client.Http.ProblemTitles.RunEnded),
        NotExternalAssetException => (StatusCodes.Status400BadRequest, Client.Http.ProblemTitles.NotExternal),
        BadRequestException or AssetSelectionException or BadHttpRequestException { StatusCode: 400 } or System.Text.Json.JsonException
            => (StatusCodes.Status400BadRequest, "Bad request"),
        BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
        NotFoundException => (StatusCodes.Status404NotFound, "Not found"),
        _ when ClusterErrors.Classify(exception) is { } outage => (StatusCodes.Status503ServiceUnavailable, outage.Kind == OutageKind.Storage ? "Storage unavailable" : "Cluster unavailable"),
        _ => (StatusCodes.Status500InternalServerError, "Internal error"),
    };

    private static string Detail(Exception exception) => exception switch
    {
        // The framework's message names the parameter and the JSON problem; its inner exception says where.
        BadHttpRequestException { InnerException: System.Text.Json.JsonException json } bad => $"{bad.Message} {json.Message}",
        _ when ClusterErrors.Classify(exception) is { } outage => outage.Reason,
        _ => exception.Message,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
}
