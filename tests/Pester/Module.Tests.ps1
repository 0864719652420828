#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'The NeuralPS module' {
    It 'exports exactly the ten cmdlets' {
        $expected = 'Add-Layer', 'Get-NeuralDataset', 'Get-NeuralDevice', 'Import-NeuralDataset', 'Import-NeuralNetwork',
                    'Invoke-Prediction', 'Invoke-Training', 'Measure-Model', 'New-NeuralNetwork', 'Save-NeuralNetwork'
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
        'Save-NeuralNetwork', 'Import-NeuralNetwork', 'Import-NeuralDataset', 'Get-NeuralDataset', 'Get-NeuralDevice') {
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
}
