using Mesh.Cli;

// mesh — the Mesh command line. Each command lives in its own file under Commands/.
return Cli.Run(args);
