// The whole of pwsh: PowerShell's own console host over the engine from Microsoft.PowerShell.SDK.
// Arguments are pwsh's (-File, -Command, -NoProfile, ...).
return Microsoft.PowerShell.ConsoleShell.Start("NeuralPS pwsh (Microsoft.PowerShell.SDK 7.6.9)", "", args);
