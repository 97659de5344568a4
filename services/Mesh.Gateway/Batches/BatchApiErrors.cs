namespace Mesh.Gateway.Batches;

/// <summary>The OpenAI errors of the files and batch routes.</summary>
internal static class BatchApiErrors
{
    /// <summary>404 for a file id this caller cannot see.</summary>
    public static OpenAiException FileNotFound(string id) =>
        new(StatusCodes.Status404NotFound, OpenAiException.InvalidRequestType, $"No such File object: {id}", "file_id", "not_found");

    /// <summary>404 for a batch id this caller cannot see.</summary>
    public static OpenAiException BatchNotFound(string id) =>
        new(StatusCodes.Status404NotFound, OpenAiException.InvalidRequestType, $"No such Batch object: {id}", "batch_id", "not_found");

    /// <summary>413 for an upload over <see cref="BatchOptions.MaxFileBytes"/>.</summary>
    public static OpenAiException FileTooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, OpenAiException.InvalidRequestType,
            $"The file is larger than the limit of {limit} bytes ({BatchOptions.SectionName}:MaxFileBytes).", "file", "file_too_large");

    /// <summary>409: the file is the input of a batch that has not ended.</summary>
    public static OpenAiException FileInUse(string fileId, string batchId) =>
        new(StatusCodes.Status409Conflict, OpenAiException.InvalidRequestType,
            $"File {fileId} is the input of batch {batchId}, which has not ended; cancel it or wait for it first.", "file_id", "file_in_use");

    /// <summary>400: cancelling a batch that already ended.</summary>
    public static OpenAiException NotCancellable(string id, string status) =>
        OpenAiException.InvalidRequest($"Batch {id} cannot be cancelled: its status is '{status}'.", null, "invalid_state");

    /// <summary>400: the upload is not a multipart form or is malformed.</summary>
    public static OpenAiException BadUpload(string message) => OpenAiException.InvalidRequest(message, null, "invalid_request");
}
