using BenchmarkDotNet.Running;

// Kernel micro-benchmarks: dotnet run -c Release --project benchmarks/Mesh.Kernels.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Mesh.Kernels.Benchmarks.MatMulBenchmarks).Assembly).Run(args);
