using Mesh.Gateway.Auth;
using Mesh.Gateway.Requests;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Batches;

/// <summary>
/// <c>/v1/batches</c>: create a batch from an uploaded file (it starts at once, in the <see cref="BatchRunner"/>),
/// look it up, list, cancel. A caller sees only its own batches.
/// </summary>
internal static class BatchEndpoints
{
    /// <summary>The only completion window, as OpenAI's.</summary>
    public const string CompletionWindow = "24h";

    private static readonly TimeSpan Window = TimeSpan.FromHours(24);

    private const int MaxMetadataPairs = 16;
    private const int MaxMetadataKey = 64;
    private const int MaxMetadataValue = 512;

    public static async Task<IResult> CreateAsync(
        HttpContext http, RequestBodyReader body, FileStore files, BatchStore batches, BatchRunner runner, TimeProvider time, ILogger<BatchRunner> logger)
    {
        CancellationToken aborted = http.RequestAborted;
        string tenant = CallerTenant.Of(http).Value;
        CreateBatchRequest request = await body.ReadAsync(http.Request, BatchJsonContext.Default.CreateBatchRequest, aborted);
        if (string.IsNullOrEmpty(request.InputFileId)) Missing("input_file_id");
        if (string.IsNullOrEmpty(request.Endpoint)) Missing("endpoint");
        if (!BatchLineParser.IsEndpoint(request.Endpoint))
            Invalid("endpoint", $"Invalid 'endpoint' '{request.Endpoint}': supported are '{BatchLineParser.ChatEndpoint}' and '{BatchLineParser.CompletionsEndpoint}'.");
        if (string.IsNullOrEmpty(request.CompletionWindow)) Missing("completion_window");
        if (request.CompletionWindow != CompletionWindow)
            Invalid("completion_window", $"Invalid 'completion_window' '{request.CompletionWindow}': only '{CompletionWindow}' is supported.");
        CheckMetadata(request.Metadata);
        StoredFile input = files.Get(request.InputFileId, tenant) ?? throw BatchApiErrors.FileNotFound(request.InputFileId);
        if (input.File.Purpose != FilePurposes.Batch)
            Invalid("input_file_id", $"File {input.Id} has purpose '{input.File.Purpose}'; a batch's input must have purpose '{FilePurposes.Batch}'.");

        DateTimeOffset now = time.GetUtcNow();
        long created = now.ToUnixTimeSeconds();
        string hex = Guid.NewGuid().ToString("N");
        var batch = new BatchObject(
            "batch_" + hex, BatchObject.ObjectName, request.Endpoint, null, input.Id, CompletionWindow, BatchStatus.Validating,
            OutputFileId: null, ErrorFileId: null, created, InProgressAt: null, ExpiresAt: created + (long)Window.TotalSeconds,
            FinalizingAt: null, CompletedAt: null, FailedAt: null, ExpiredAt: null, CancellingAt: null, CancelledAt: null,
            RequestCounts.None, request.Metadata);
        var stored = new StoredBatch(batch, tenant, now, "file-" + hex + "o", "file-" + hex + "e");
        await batches.AddAsync(stored, aborted);
        logger.Created(batch.Id, tenant, input.Id, batch.Endpoint);
        runner.Start(batch.Id);
        return Results.Json(batch, BatchJson.Context.BatchObject);
    }

    public static IResult Get(string batchId, HttpContext http, BatchStore batches) =>
        Results.Json(Find(batchId, http, batches).Batch, BatchJson.Context.BatchObject);

    /// <summary>Newest first; <c>after</c> (an id) and <c>limit</c> (1–100, default 20) page through.</summary>
    public static IResult List(HttpContext http, BatchStore batches)
    {
        string tenant = CallerTenant.Of(http).Value;
        ListPage<StoredBatch> page = ListPage.Of(
            batches.All().Where(b => b.Tenant == tenant), b => b.Id, http.Request.Query, defaultLimit: 20, maxLimit: 100, defaultDescending: true);
        BatchObject[] data = [.. page.Items.Select(b => b.Batch)];
        return Results.Json(new BatchList("list", data, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id, page.HasMore), BatchJson.Context.BatchList);
    }

    /// <summary>
    /// Moves a validating or running batch to cancelling; the runner stops submitting, cancels the lines in flight,
    /// writes what finished and ends it as cancelled. Cancelling a cancelling or cancelled batch answers it as it is.
    /// </summary>
    public static async Task<IResult> CancelAsync(string batchId, HttpContext http, BatchStore batches, BatchRunner runner, TimeProvider time, ILogger<BatchRunner> logger)
    {
        StoredBatch batch = Find(batchId, http, batches);
        long now = time.GetUtcNow().ToUnixTimeSeconds();
        StoredBatch updated = await batches.UpdateAsync(batch.Id, b => b.Status is BatchStatus.Validating or BatchStatus.InProgress
            ? b with { Batch = b.Batch with { Status = BatchStatus.Cancelling, CancellingAt = now } }
            : b, persist: true, http.RequestAborted);
        if (updated.Status is not (BatchStatus.Cancelling or BatchStatus.Cancelled)) throw BatchApiErrors.NotCancellable(batch.Id, updated.Status);
        logger.Cancelling(batch.Id);
        runner.Cancel(batch.Id);
        return Results.Json(updated.Batch, BatchJson.Context.BatchObject);
    }

    private static StoredBatch Find(string batchId, HttpContext http, BatchStore batches) =>
        batches.Get(batchId, CallerTenant.Of(http).Value) ?? throw BatchApiErrors.BatchNotFound(batchId);

    private static void CheckMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null) return;
        if (metadata.Count > MaxMetadataPairs) Invalid("metadata", $"'metadata' may hold at most {MaxMetadataPairs} pairs, got {metadata.Count}.");
        foreach ((string key, string value) in metadata)
        {
            if (key.Length > MaxMetadataKey) Invalid("metadata", $"'metadata' keys may be at most {MaxMetadataKey} characters; '{key[..16]}…' is {key.Length}.");
            if (value is null) Invalid("metadata", $"'metadata.{key}' must be a string.");
            if (value.Length > MaxMetadataValue) Invalid("metadata", $"'metadata.{key}' may be at most {MaxMetadataValue} characters, is {value.Length}.");
        }
    }
}
