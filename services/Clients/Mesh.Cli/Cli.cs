using Mesh.Cli.Commands;
using Mesh.Engine.Model;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tokenization;

namespace Mesh.Cli;

/// <summary>Dispatches a command line to its command and turns failures into clear messages and
/// exit codes: 0 ok, 1 the work failed (bad model, rejected request), 2 bad usage.</summary>
public static class Cli
{
    public const string Usage = """
        usage: mesh <command> [options]

          generate   --model PATH (--prompt TEXT | --prompt-ids 1,2,3) [--chat] [--max-tokens N]
                     [--temperature T] [--top-p P] [--top-k K] [--min-p P] [--seed S] [--json]
                     [--threads N]
                     Runs one prompt and streams the text. Without --model, a small random model
                     is generated and used (its output is not meaningful text).
          model create --preset NAME | --dim D --layers L --heads H [--kv-heads K] --ffn F --vocab V
                     [--context C] [--format gguf|safetensors] [--dtype f32|f16|bf16|q8_0]
                     [--seed S] [--tied] --out PATH
                     Writes a deterministic random Llama model (presets: tiny, small, bench-134m, bench-336m).
          bench      --model PATH [--prompt N] [--gen M] [--threads T] [--repeats R] [--concurrent S] [--exact-activations]
                     [--kv-type f32|f16] [--mesh-only] [--json]
                     Mesh against llama.cpp on the same GGUF: prefill/decode tok/s, ratio, bandwidth, roofline.
          bench trace [--trace PATH] [--slice-start S --duration D] [--time-scale X] [--scale-tokens F]
                     [--mode disaggregated|colocated|both] [--ttft-ms T --tpot-ms P] [--offline N --offline-tokens M]
                     [--model PATH] [--json]
                     Replays a real trace through the in-process mesh: TTFT/TPOT percentiles, goodput per layout.
          model inspect PATH
                     Architecture, sizes, tensor types, tokenizer and chat format of a model.
          serve      [--model PATH] [--port N] [--prefill-workers N] [--decode-workers N] [--colocated]
                     [--threads N] [--elastic] [--admin] [--journal DIR]
                     The whole mesh in one process (as Mesh.Host): an OpenAI-compatible API on
                     http://127.0.0.1:N (default 8080). Without --model, a generated random model.
          chat       --url URL [--model NAME] [--api-key KEY] [--system TEXT] [--temperature T] [--max-tokens N]
                     Chats with a Mesh gateway: each input line is a turn, replies stream, the history is
                     kept; /exit or end of input quits. The key may also come from MESH_API_KEY.
        """;

    /// <summary>The entry point: <c>serve</c> runs the host until shutdown; every other command is
    /// synchronous (<see cref="Run"/>).</summary>
    public static Task<int> RunAsync(string[] args) =>
        args is ["serve", .. var rest] ? Mesh.Host.MeshHost.RunAsync(rest) : Task.FromResult(Run(args));

    public static int Run(string[] args)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            return args[0] switch
            {
                "generate" => GenerateCommand.Run(args[1..]),
                "chat" => ChatCommand.Run(args[1..]),
                "bench" => BenchCommand.Run(args[1..]),
                "model" when args.Length > 1 && args[1] == "create" => ModelCreateCommand.Run(args[2..]),
                "model" when args.Length > 1 && args[1] == "inspect" => ModelInspectCommand.Run(args[2..]),
                _ => throw new UsageException($"unknown command '{string.Join(' ', args.Take(2))}'"),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"mesh: {ex.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception ex) when (ex is ModelFormatException or RequestRejectedException or UnknownChatFormatException or FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            Console.Error.WriteLine($"mesh: {ex.Message}");
            return 1;
        }
    }
}
