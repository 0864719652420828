#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    # One test per exported cmdlet, read from the manifest, so a new cmdlet is covered as it is added.
    $Cmdlets = (Import-PowerShellDataFile -Path (Join-Path $PSScriptRoot '..' '..' 'NeuralPS.psd1')).CmdletsToExport
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'The NeuralPS module' {
    It 'exports exactly the fifteen cmdlets' {
        $expected = 'Add-Layer', 'Export-NeuralNetwork', 'Export-TrainingReport', 'Get-NeuralDataset', 'Get-NeuralDevice', 'Import-NeuralDataset', 'Import-NeuralNetwork',
                    'Invoke-Prediction', 'Invoke-Training', 'Lock-Layer', 'Measure-Model', 'New-NeuralNetwork', 'Remove-Layer', 'Save-NeuralNetwork', 'Unlock-Layer'
        (Get-Command -Module NeuralPS).Name | Sort-Object | Should -Be $expected
        Get-Command -Module NeuralPS | ForEach-Object { $_.CommandType | Should -Be 'Cmdlet' }
    }

    It 'has version 0.1.0 and runs on PowerShell Core 7.4+' {
        $m = Get-Module NeuralPS
        $m.Version | Should -Be ([version]'0.1.0')
        $m.PowerShellVersion | Should -Be ([version]'7.4')
        $m.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'loads the engine into its own load context and the cmdlets into the default one' {
        $net = New-NeuralNetwork -InputShape 4
        $engineContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($net.GetType().Assembly)
        $engineContext.Name | Should -Be 'NeuralPS'
        $cmdletContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Command New-NeuralNetwork).ImplementingType.Assembly)
        $cmdletContext | Should -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
        $net.GetType().Assembly.Location | Should -BeLike '*dependencies*NeuralPS.Core.dll'
    }

    It 'has help with examples for <_>' -ForEach @(
        'New-NeuralNetwork', 'Add-Layer', 'Invoke-Training', 'Measure-Model', 'Invoke-Prediction',
        'Save-NeuralNetwork', 'Import-NeuralNetwork', 'Export-NeuralNetwork', 'Import-NeuralDataset', 'Get-NeuralDataset', 'Get-NeuralDevice', 'Export-TrainingReport',
        'Remove-Layer', 'Lock-Layer', 'Unlock-Layer') {
        $help = Get-Help -Name $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
    }

    It 'teaches the main job in Get-Help Invoke-Training -Examples' {
        $text = Get-Help Invoke-Training -Examples | Out-String
        $text | Should -Match 'Import-Csv'
        $text | Should -Match 'Measure-Model'
        $text | Should -Match 'Save-NeuralNetwork'
    }

    It 'prints a network as a Keras-like layer table' {
        $text = New-NeuralNetwork -Name iris -InputShape 4 | Add-Layer Dense -Units 16 -Activation ReLU | Add-Layer Dense -Units 3 | Out-String
        $text | Should -Match 'Name\s+Type\s+Output Shape\s+Param #'
        $text | Should -Match 'dense_1\s+Dense\s+\(16,\)\s+80'
        $text | Should -Match 'Total params: 131'
    }

    It 'carries the manifest version in its assemblies (what reports and Get-Module show agree)' {
        $version = (Get-Module NeuralPS).Version
        (Get-Command New-NeuralNetwork).ImplementingType.Assembly.GetName().Version | Should -Be ([version]"$version.0")
        (New-NeuralNetwork -InputShape 4).GetType().Assembly.GetName().Version | Should -Be ([version]"$version.0")
    }

    It 'passes Test-ModuleManifest as built' {
        $m = Test-ModuleManifest -Path (Join-Path $ModulePath 'NeuralPS.psd1') -ErrorAction Stop
        $m.Name | Should -Be 'NeuralPS'
        $m.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $m.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        Test-Path (Join-Path $ModulePath 'LICENSE') | Should -BeTrue
    }

    It 'describes every parameter of <_> in Get-Help -Full' -ForEach $Cmdlets {
        $command = Get-Command -Name $_ -Module NeuralPS
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $declared = @($command.Parameters.Keys | Where-Object { $_ -notin $common })
        $help = @((Get-Help -Name $_ -Full).parameters.parameter)
        $undocumented = @($declared | Where-Object { $name = $_; -not ($help | Where-Object name -eq $name) })
        $empty = @($help | Where-Object { -not (($_.description | Out-String).Trim()) } | ForEach-Object name)
        $undocumented | Should -BeNullOrEmpty -Because "every parameter of $_ needs help"
        $empty | Should -BeNullOrEmpty -Because "every parameter of $_ needs a description"
    }
}

Describe 'Tab completion' {
    It 'completes <Line> with <Expected>' -ForEach @(
        @{ Line = 'Add-Layer Con'; Expected = 'Conv2d' }
        @{ Line = 'Add-Layer -Type MaxP'; Expected = 'MaxPool2d' }
        @{ Line = 'Invoke-Training -Optimizer Ad'; Expected = 'Adam' }
        @{ Line = 'Get-NeuralDataset -Name I'; Expected = 'Iris' }
        @{ Line = 'Import-NeuralDataset -Format '; Expected = 'Idx' }
        @{ Line = 'New-NeuralNet'; Expected = 'New-NeuralNetwork' }
    ) {
        $result = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
        $result.CompletionMatches.CompletionText | Should -Contain $Expected
    }
}
