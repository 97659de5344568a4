using System.Buffers.Binary;
using Mesh.Engine.Formats;
using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Formats.Safetensors;

namespace Mesh.Engine.Model;

/// <summary>Loads a model from a GGUF file or a Hugging Face folder, telling them apart by the
/// file's magic and the folder's contents.</summary>
public static class ModelLoader
{
    /// <param name="path">A <c>.gguf</c> file; a Hugging Face folder (or its <c>model.safetensors</c>,
    /// index or <c>config.json</c>); or a folder holding exactly one <c>.gguf</c> file.</param>
    /// <param name="panels">Also rewrite the Q8_0, Q4_K and Q6_K matrices, in the background, into the panel layouts the CPU
    /// backend decodes fastest (<see cref="LoadedModel.PanelWeights"/>: the same results, bit for bit; an anonymous
    /// copy in place of the file's pages, so resident memory stays about the file's size, but those pages are no
    /// longer shared with other processes mapping the file). False keeps every matrix in the file's mapping.</param>
    public static LoadedModel Load(string path, bool panels = true)
    {
        var model = LoadStored(path);
        if (!panels || !PanelRepacker.HasWork(model.Weights)) return model;
        var job = new PanelRepacker.Job(model.Weights);
        return new LoadedModel
        {
            Path = model.Path,
            Format = model.Format,
            Config = model.Config,
            Weights = model.Weights,
            PanelWeights = job.Weights,
            Tokenizer = model.Tokenizer,
            ChatFormat = model.ChatFormat,
            Tensors = model.Tensors,
            Fingerprint = model.Fingerprint,
            Storage = new Both(job, model.Storage),
        };
    }

    private static LoadedModel LoadStored(string path)
    {
        if (Directory.Exists(path)) return LoadFolder(path);
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: no such file or folder", new FileNotFoundException("model not found", path));
        return IsSafetensorsFile(path)
            ? SafetensorsModelLoader.Load(Path.GetDirectoryName(Path.GetFullPath(path))!)
            : GgufModelLoader.Load(path);
    }

    private static LoadedModel LoadFolder(string folder)
    {
        if (File.Exists(Path.Combine(folder, "config.json")))
            return SafetensorsModelLoader.Load(folder);
        string[] ggufs = Directory.GetFiles(folder, "*.gguf");
        if (ggufs.Length == 1) return GgufModelLoader.Load(ggufs[0]);
        throw new ModelFormatException(ggufs.Length > 1
            ? $"{folder}: the folder holds {ggufs.Length} .gguf files; name the one to load"
            : $"{folder}: missing config.json (a Hugging Face model folder needs config.json, weights and tokenizer.json) and no .gguf file either");
    }

    /// <summary>A file that belongs to a Hugging Face folder: named so, or starting like a
    /// safetensors file (a header length, then <c>{</c>) rather than with "GGUF".</summary>
    private static bool IsSafetensorsFile(string path)
    {
        string name = Path.GetFileName(path);
        if (name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".safetensors.index.json", StringComparison.OrdinalIgnoreCase)
            || name.Equals("config.json", StringComparison.OrdinalIgnoreCase))
            return true;
        Span<byte> head = stackalloc byte[9];
        using var stream = File.OpenRead(path);
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(head) == GgufFile.Magic) return false;
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return head[8] == (byte)'{' && headerLength < (ulong)stream.Length;
    }

    /// <summary>Disposes two owners, in order.</summary>
    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
