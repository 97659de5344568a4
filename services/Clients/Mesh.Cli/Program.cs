using Mesh.Cli;

// mesh — the Mesh command line. Each command lives in its own file under Commands/; `serve` is Mesh.Host.
return await Cli.RunAsync(args);
