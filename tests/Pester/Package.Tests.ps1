#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# build.ps1 Package: a PowerShell Gallery-style .nupkg of the built module, installable by extracting it.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    . (Join-Path $RepoRoot 'tools' 'New-ModulePackage.ps1')
    $Package = New-ModulePackage -ModuleDir $ModulePath -Destination (Join-Path $TestDrive 'feed')
    # Installed as PSResourceGet installs a module: <modules>/<Name>/<Version>/ with the package's files, less
    # NuGet's own parts.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $Installed = Join-Path $TestDrive 'Modules' 'NeuralPS' '0.1.0'
    [System.IO.Compression.ZipFile]::ExtractToDirectory($Package.FullName, $Installed)
    Remove-Item -LiteralPath (Join-Path $Installed '[Content_Types].xml'), (Join-Path $Installed '_rels'), (Join-Path $Installed 'package') -Recurse -Force
}

Describe 'The module package' {
    It 'is named NeuralPS.0.1.0.nupkg and holds the module files at its root' {
        $Package.Name | Should -Be 'NeuralPS.0.1.0.nupkg'
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Package.FullName)
        try { $names = $zip.Entries.FullName } finally { $zip.Dispose() }
        foreach ($f in 'NeuralPS.nuspec', 'NeuralPS.psd1', 'NeuralPS.dll', 'NeuralPS.format.ps1xml', 'LICENSE', 'en-US/NeuralPS.dll-Help.xml',
            'dependencies/NeuralPS.Core.dll', 'dependencies/System.Numerics.Tensors.dll', 'dependencies/Google.Protobuf.dll', '[Content_Types].xml', '_rels/.rels') {
            $names | Should -Contain $f
        }
        $names | Should -Not -Contain 'System.Management.Automation.dll'
    }

    It 'has a nuspec made from the manifest, with the gallery tags' {
        [xml] $nuspec = Get-Content -Raw -Path (Join-Path $Installed 'NeuralPS.nuspec')
        $manifest = Import-PowerShellDataFile -Path (Join-Path $ModulePath 'NeuralPS.psd1')
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'NeuralPS'
        $meta.version | Should -Be $manifest.ModuleVersion
        $meta.description | Should -Be $manifest.Description
        $meta.licenseUrl | Should -Be $manifest.PrivateData.PSData.LicenseUri
        $meta.releaseNotes | Should -Be $manifest.PrivateData.PSData.ReleaseNotes
        $tags = $meta.tags -split ' '
        foreach ($t in 'PSModule', 'PSIncludes_Cmdlet', 'PSCmdlet_Invoke-Training', 'PSEdition_Core', 'NeuralNetwork') { $tags | Should -Contain $t }
    }

    It 'passes Test-ModuleManifest from the installed files' {
        $m = Test-ModuleManifest -Path (Join-Path $Installed 'NeuralPS.psd1') -ErrorAction Stop
        $m.Version | Should -Be ([version]'0.1.0')
        $m.ExportedCmdlets.Keys | Should -Contain 'Invoke-Training'
    }

    It 'imports by name from the installed files in a fresh pwsh and runs the Iris job' {
        $modules = Join-Path $TestDrive 'Modules'
        $run = Invoke-Pwsh -Command @"
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module NeuralPS -ErrorAction Stop
'base=' + (Get-Module NeuralPS).ModuleBase
`$rows = Get-NeuralDataset -Name Iris -AsRecord
`$test = for (`$i = 0; `$i -lt 150; `$i += 5) { `$rows[`$i] }
`$train = for (`$i = 0; `$i -lt 150; `$i++) { if (`$i % 5) { `$rows[`$i] } }
`$net = New-NeuralNetwork -Name iris -InputShape 4 -Seed 1 | Add-Layer Dense -Units 16 -Activation ReLU | Add-Layer Dense -Units 3
`$null = `$train | Invoke-Training -Network `$net -LabelProperty Species -Epochs 100 -BatchSize 16 -LearningRate 0.01
'accuracy={0:F3}' -f (`$test | Measure-Model -Network `$net).Accuracy
"@
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match ([regex]::Escape("base=$Installed"))
        [double]([regex]::Match($run.Output, 'accuracy=([\d.]+)').Groups[1].Value) | Should -BeGreaterOrEqual 0.95
    }
}
