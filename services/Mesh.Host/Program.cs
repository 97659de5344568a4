// Mesh.Host: every Mesh service in one process on the in-process bus. `--model PATH` (GGUF or Hugging Face
// folder), else a generated random model. The wiring reads top to bottom in MeshHost.RunAsync; see docs/services.md.
return await Mesh.Host.MeshHost.RunAsync(args);
