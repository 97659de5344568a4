using System.Text.Json;
using Mesh.Gateway.OpenAi;

namespace Mesh.Gateway.Batches;

/// <summary>The journal entries (and so the output and error file lines) a line can end with.</summary>
internal static class BatchResults
{
    /// <summary>What expired lines say.</summary>
    public const string ExpiredCode = "batch_expired";

    /// <summary>A 200 with the completion object the non-streaming endpoint would answer.</summary>
    public static JournalEntry Success(int line, string customId, string requestId, JsonElement body) =>
        new(line, customId, true, new BatchOutputLine(LineId(), customId, new BatchLineResponse(StatusCodes.Status200OK, requestId, body), null));

    /// <summary>The error response the HTTP endpoint would give; <paramref name="requestId"/> when the request was submitted.</summary>
    public static JournalEntry Failure(int line, string? customId, OpenAiException error, string? requestId = null)
    {
        JsonElement body = JsonSerializer.SerializeToElement(error.ToBody(), OpenAiJson.Context.ErrorResponse);
        return new(line, customId, false, new BatchOutputLine(LineId(), customId, new BatchLineResponse(error.StatusCode, requestId, body), null));
    }

    /// <summary>A line the batch did not finish within its completion window.</summary>
    public static JournalEntry Expired(int line, string? customId) =>
        new(line, customId, false, new BatchOutputLine(
            LineId(), customId, null, new BatchLineError(ExpiredCode, "This line was not finished within the batch's completion window.")));

    /// <summary>400: a custom id that an earlier line of the file already uses.</summary>
    public static OpenAiException DuplicateCustomId(string customId, int firstLine) =>
        OpenAiException.InvalidRequest(
            $"Duplicate 'custom_id' '{customId}': line {firstLine} already uses it, and custom ids must be unique within a batch.",
            "custom_id", "duplicate_custom_id");

    /// <summary>500 for a line that failed inside the gateway (a bug, logged with its stack).</summary>
    public static OpenAiException Internal(Exception ex) =>
        new(StatusCodes.Status500InternalServerError, OpenAiException.ServerErrorType, "The gateway failed to run this line: " + ex.Message, null, "internal");

    private static string LineId() => "batch_req_" + Guid.NewGuid().ToString("N");
}
