#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates the NeuralPS module.
.DESCRIPTION
    Build  publishes the module into out/NeuralPS/ (manifest, NeuralPS.dll, dependencies/, format file,
           en-US help), ready for: Import-Module ./out/NeuralPS
    Test   runs the xUnit suites (dotnet test NeuralPS.sln -c Release, as CI does), then the Pester tests
           in tests/Pester against the built module when Pester 5 is installed.
    Demo   builds, imports the module in a fresh pwsh and runs the main job on the shipped Iris data:
           build a network, train, Measure-Model, save, reload, predict (examples/iris.ps1).
    Clean  removes out/ and the build outputs.
    The same layout is produced without pwsh by:
        dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release
.EXAMPLE
    ./build.ps1 Demo
.EXAMPLE
    ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$ModuleDir = Join-Path $Root 'out' 'NeuralPS'
$CmdletsProject = Join-Path $Root 'src' 'NeuralPS.Cmdlets' 'NeuralPS.Cmdlets.csproj'
$Solution = Join-Path $Root 'NeuralPS.sln'
$Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Assert-ModuleLayout {
    $required = @(
        'NeuralPS.psd1', 'NeuralPS.dll', 'NeuralPS.format.ps1xml', 'en-US/NeuralPS.dll-Help.xml',
        'dependencies/NeuralPS.Core.dll', 'dependencies/NeuralPS.Cuda.dll', 'dependencies/System.Numerics.Tensors.dll'
    )
    $missing = $required | Where-Object { -not (Test-Path (Join-Path $ModuleDir $_)) }
    if ($missing) { throw "The module layout in $ModuleDir is incomplete; missing: $($missing -join ', ')." }
    if (Test-Path (Join-Path $ModuleDir 'System.Management.Automation.dll')) {
        throw 'System.Management.Automation.dll must come from the PowerShell host, not the module.'
    }
    # The engine must not sit next to NeuralPS.dll, or it would load into the default context.
    $stray = Get-ChildItem $ModuleDir -Filter 'NeuralPS.*.dll' -File
    if ($stray) { throw "Engine assemblies next to NeuralPS.dll: $($stray.Name -join ', '); they belong in dependencies/." }
    $null = Test-ModuleManifest -Path (Join-Path $ModuleDir 'NeuralPS.psd1')
}

function Invoke-BuildTask {
    # The LayoutModule target of the cmdlets project (run after Publish) lays out $ModuleDir.
    Invoke-Native dotnet @('publish', $CmdletsProject, '-c', $Configuration, "-p:ModuleOutputDir=$ModuleDir$([IO.Path]::DirectorySeparatorChar)")
    Assert-ModuleLayout
    Write-Host "Module ready: Import-Module $ModuleDir" -ForegroundColor Green
}

function Invoke-TestTask {
    Invoke-Native dotnet @('test', $Solution, '-c', $Configuration)

    $pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -ge ([version]'5.0') | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        Write-Warning 'Pester 5 is not installed; skipping tests/Pester (Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser).'
        return
    }
    Invoke-BuildTask
    # A fresh pwsh: the tests import the built module, and a session that has loaded NeuralPS.dll
    # keeps it loaded (binary modules cannot be unloaded).
    $script = @"
Import-Module Pester -RequiredVersion $($pester.Version)
`$c = New-PesterConfiguration
`$c.Run.Path = '$(Join-Path $Root 'tests' 'Pester')'
`$c.Run.Exit = `$true
`$c.Output.Verbosity = 'Detailed'
`$env:NEURALPS_MODULE = '$ModuleDir'
Invoke-Pester -Configuration `$c
"@
    Invoke-Native $Pwsh @('-NoProfile', '-NonInteractive', '-Command', $script)
}

function Invoke-DemoTask {
    Invoke-BuildTask
    Invoke-Native $Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'examples' 'iris.ps1'), '-ModulePath', $ModuleDir)
}

function Invoke-CleanTask {
    if (Test-Path (Join-Path $Root 'out')) { Remove-Item (Join-Path $Root 'out') -Recurse -Force }
    Invoke-Native dotnet @('clean', $Solution, '-c', $Configuration, '--nologo', '-v', 'q')
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Clean' { Invoke-CleanTask }
    }
}
finally {
    Pop-Location
}
