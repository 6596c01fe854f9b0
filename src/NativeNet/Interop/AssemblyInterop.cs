using System.Runtime.CompilerServices;

// Every P/Invoke in this assembly is blittable: the runtime must never insert a marshalling stub.
// With this attribute a non-blittable signature fails instead of silently marshalling.
[assembly: DisableRuntimeMarshalling]
