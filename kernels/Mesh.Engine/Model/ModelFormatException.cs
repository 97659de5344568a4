namespace Mesh.Engine.Model;

/// <summary>A model file or folder that cannot be loaded: the message names the file and the
/// problem (truncated, wrong magic, unsupported tensor type, missing tensor or tokenizer...).</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : Exception(message, inner);
