#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and demonstrates the NeuralPS module.
.DESCRIPTION
    Build  publishes the module into out/NeuralPS/ (manifest, NeuralPS.dll, dependencies/, format file,
           en-US help), ready for: Import-Module ./out/NeuralPS
    Test   runs every test as CI does: dotnet test NeuralPS.sln -c Release, which includes the Pester tests in
           tests/Pester, run in PowerShell 7.6 (tools/pwsh) against out/NeuralPS with Pester from NuGet.
    Demo   builds, imports the module in a fresh pwsh and runs the main job on the shipped Iris data:
           build a network, train, Measure-Model, save, reload, predict (examples/iris.ps1).
    Package writes a PowerShell Gallery-style package of the module, out/NeuralPS.<version>.nupkg, laid out
           as Publish-PSResource lays one out (the module's files at the package root, a nuspec from the
           manifest's PSData). Install it by extracting it into a folder named NeuralPS on $env:PSModulePath,
           or publish it to a feed.
    Clean  removes out/ and the build outputs.
    Without an installed pwsh, run this script with the repository's own PowerShell 7.6:
        dotnet run --project tools/pwsh -c Release -- ./build.ps1 Demo
.EXAMPLE
    ./build.ps1 Demo
.EXAMPLE
    ./build.ps1 Test
.EXAMPLE
    ./build.ps1 Package
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$ModuleDir = Join-Path $Root 'out' 'NeuralPS'
. (Join-Path $Root 'tools' 'New-ModulePackage.ps1')
$CmdletsProject = Join-Path $Root 'src' 'NeuralPS.Cmdlets' 'NeuralPS.Cmdlets.csproj'
$Solution = Join-Path $Root 'NeuralPS.sln'

# The pwsh that runs this script, to start a fresh one for the demo: an installed pwsh sits in $PSHOME; the
# repository's tools/pwsh (and any other host over Microsoft.PowerShell.SDK) is the running process itself,
# with a $PSHOME that holds no pwsh. Under a host that is not a pwsh at all, $null: run in this session.
function Get-PwshExecutable {
    $name = $IsWindows ? 'pwsh.exe' : 'pwsh'
    foreach ($candidate in @((Join-Path $PSHOME $name), [Environment]::ProcessPath)) {
        if ($candidate -and [IO.Path]::GetFileName($candidate) -eq $name -and (Test-Path -LiteralPath $candidate -PathType Leaf)) {
            return $candidate
        }
    }
    $null
}

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Assert-ModuleLayout {
    $required = @(
        'NeuralPS.psd1', 'NeuralPS.dll', 'NeuralPS.format.ps1xml', 'LICENSE', 'en-US/NeuralPS.dll-Help.xml',
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
    # One command for every test: the xUnit suites and, through tests/NeuralPS.Pester.Tests, each Pester It.
    Invoke-Native dotnet @('test', $Solution, '-c', $Configuration)
}

function Invoke-DemoTask {
    Invoke-BuildTask
    $demo = Join-Path $Root 'examples' 'iris.ps1'
    $pwsh = Get-PwshExecutable
    if ($pwsh) {
        # A fresh process: this session may hold an older NeuralPS.dll (binary modules cannot be unloaded).
        Invoke-Native $pwsh @('-NoProfile', '-NonInteractive', '-File', $demo, '-ModulePath', $ModuleDir)
    }
    else {
        & $demo -ModulePath $ModuleDir
    }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $package = New-ModulePackage -ModuleDir $ModuleDir -Destination (Join-Path $Root 'out')
    Write-Host "Package ready: $package" -ForegroundColor Green
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
        'Package' { Invoke-PackageTask }
        'Clean' { Invoke-CleanTask }
    }
}
finally {
    Pop-Location
}
