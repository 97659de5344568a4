using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

public sealed class ChatFormatTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new("system", "You are terse."),
        new("user", "Hi!"),
        new("assistant", "Hello."),
        new("user", "Name a color."),
    ];

    [Fact]
    public void Llama3_writes_headers_and_eot_after_begin_of_text()
    {
        var format = ChatFormat.ByName("llama3");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nName a color.<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            format.Apply(Conversation));
        Assert.True(format.WritesBos);
        Assert.Contains("<|eot_id|>", format.StopStrings);
    }

    [Fact]
    public void Chatml_wraps_each_turn_in_im_start_and_im_end()
    {
        var format = ChatFormat.ByName("chatml");
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n" +
            "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nName a color.<|im_end|>\n<|im_start|>assistant\n",
            format.Apply(Conversation));
        Assert.Equal(
            "<|im_start|>user\nHi!<|im_end|>\n",
            format.Apply([new("user", "Hi!")], addGenerationPrompt: false));
        Assert.False(format.WritesBos);
        Assert.Contains("<|im_end|>", format.StopStrings);
    }

    [Fact]
    public void Mistral_puts_the_system_text_in_the_first_instruction()
    {
        var format = ChatFormat.ByName("mistral");
        Assert.Equal(
            "<s>[INST] You are terse.\n\nHi! [/INST]Hello.</s>[INST] Name a color. [/INST]",
            format.Apply(Conversation));
        Assert.True(format.WritesBos);
        Assert.Contains("</s>", format.StopStrings);
    }

    [Fact]
    public void Llama2_wraps_the_system_text_in_sys_markers()
    {
        var format = ChatFormat.ByName("llama2");
        Assert.Equal(
            "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Name a color. [/INST]",
            format.Apply(Conversation));
    }

    [Fact]
    public void Zephyr_marks_roles_and_ends_turns_with_eos_text()
    {
        var format = ChatFormat.ByName("zephyr");
        Assert.Equal(
            "<|system|>\nYou are terse.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n<|user|>\nName a color.</s>\n<|assistant|>\n",
            format.Apply(Conversation));
        Assert.False(format.WritesBos);
    }

    [Fact]
    public void Unknown_name_lists_the_known_formats()
    {
        var e = Assert.Throws<UnknownChatFormatException>(() => ChatFormat.ByName("vicuna"));
        Assert.Equal("unknown chat format 'vicuna'; known: llama3, chatml, mistral, llama2, zephyr", e.Message);
        Assert.Equal("chatml", ChatFormat.ByName("ChatML").Name);
    }

    [Theory]
    [InlineData("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}", "llama3")]
    [InlineData("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\n'}}{% endfor %}", "chatml")]
    [InlineData("{{ bos_token + '[INST] <<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' }}", "llama2")]
    [InlineData("{{ bos_token }}{% for m in messages %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% endfor %}", "mistral")]
    [InlineData("{{ '<|user|>\n' + content + eos_token }}{{ '<|assistant|>' }}", "zephyr")]
    public void Detect_reads_the_template_markers(string template, string expected)
    {
        var plain = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build("gpt-2") with { Tokens = PlainTokens() });
        Assert.Equal(expected, ChatFormat.Detect(template, "llama", plain)?.Name);
    }

    [Fact]
    public void Detect_falls_back_to_the_vocabulary_then_to_null()
    {
        var withSpecials = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build("llama-bpe"));
        Assert.Equal("llama3", ChatFormat.Detect(null, "llama", withSpecials)?.Name);
        Assert.Equal("llama3", ChatFormat.Detect("{{ unrecognised }}", "llama", withSpecials)?.Name);

        var data = ByteLevelTestVocabulary.Build("qwen2");
        string[] chatmlOnly = data.Tokens.Select(t => t is "<|eot_id|>" or "<|start_header_id|>" ? t + "x" : t).ToArray();
        Assert.Equal("chatml", ChatFormat.Detect(null, "qwen2", MeshTokenizer.FromGguf(data with { Tokens = chatmlOnly }))?.Name);

        var plain = MeshTokenizer.FromGguf(data with { Tokens = PlainTokens() });
        Assert.Null(ChatFormat.Detect(null, "llama", plain));
    }

    [Fact]
    public void Llama3_prompt_encodes_with_single_special_ids()
    {
        var tokenizer = MeshTokenizer.FromGguf(ByteLevelTestVocabulary.Build("llama-bpe"));
        var format = ChatFormat.Detect(null, "llama", tokenizer)!;
        int[] ids = tokenizer.Encode(format.Apply([new("user", "Hi!")]), addBos: !format.WritesBos && tokenizer.AddBos);
        int bos = tokenizer.BosId!.Value, header = tokenizer.TokenToId("<|start_header_id|>")!.Value;
        Assert.Equal([bos, header], ids[..2]);
        Assert.Equal(1, ids.Count(id => id == bos));
        Assert.Equal(2, ids.Count(id => id == tokenizer.TokenToId("<|end_header_id|>")));
    }

    /// <summary>The test vocabulary with its special tokens renamed so no chat marker is present.</summary>
    private static string[] PlainTokens() =>
        ByteLevelTestVocabulary.Build("gpt-2").Tokens.Select(t => t.StartsWith("<|", StringComparison.Ordinal) ? "[" + t + "]" : t).ToArray();
}
