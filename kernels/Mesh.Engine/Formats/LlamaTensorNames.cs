namespace Mesh.Engine.Formats;

/// <summary>The tensors of one decoder layer of a Llama-shaped model.</summary>
internal enum LayerTensor
{
    AttnNorm, Q, K, V, O, QBias, KBias, VBias, FfnNorm, Gate, Up, Down,
}

/// <summary>How one file format names the tensors of a Llama-shaped model.</summary>
internal sealed record LlamaTensorNames(
    string TokenEmbedding, string OutputNorm, string Output, string? RopeFreqs, Func<int, LayerTensor, string> Layer)
{
    /// <summary>llama.cpp's GGUF names (<c>blk.N.attn_q.weight</c>, ...).</summary>
    public static readonly LlamaTensorNames Gguf = new("token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight",
        (i, t) => $"blk.{i}." + t switch
        {
            LayerTensor.AttnNorm => "attn_norm.weight",
            LayerTensor.Q => "attn_q.weight",
            LayerTensor.K => "attn_k.weight",
            LayerTensor.V => "attn_v.weight",
            LayerTensor.O => "attn_output.weight",
            LayerTensor.QBias => "attn_q.bias",
            LayerTensor.KBias => "attn_k.bias",
            LayerTensor.VBias => "attn_v.bias",
            LayerTensor.FfnNorm => "ffn_norm.weight",
            LayerTensor.Gate => "ffn_gate.weight",
            LayerTensor.Up => "ffn_up.weight",
            LayerTensor.Down => "ffn_down.weight",
            _ => throw new ArgumentOutOfRangeException(nameof(t)),
        });

    /// <summary>Hugging Face transformers' names (<c>model.layers.N.self_attn.q_proj.weight</c>, ...).</summary>
    public static readonly LlamaTensorNames HuggingFace = new("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight", null,
        (i, t) => $"model.layers.{i}." + t switch
        {
            LayerTensor.AttnNorm => "input_layernorm.weight",
            LayerTensor.Q => "self_attn.q_proj.weight",
            LayerTensor.K => "self_attn.k_proj.weight",
            LayerTensor.V => "self_attn.v_proj.weight",
            LayerTensor.O => "self_attn.o_proj.weight",
            LayerTensor.QBias => "self_attn.q_proj.bias",
            LayerTensor.KBias => "self_attn.k_proj.bias",
            LayerTensor.VBias => "self_attn.v_proj.bias",
            LayerTensor.FfnNorm => "post_attention_layernorm.weight",
            LayerTensor.Gate => "mlp.gate_proj.weight",
            LayerTensor.Up => "mlp.up_proj.weight",
            LayerTensor.Down => "mlp.down_proj.weight",
            _ => throw new ArgumentOutOfRangeException(nameof(t)),
        });
}
