#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Get-NeuralDevice' {
    It 'lists the CPU first, with its cores and the SIMD width used' {
        $devices = @(Get-NeuralDevice)
        $cpu = $devices[0]
        $cpu.Backend | Should -Be 'cpu'
        $cpu.Cores | Should -Be ([Environment]::ProcessorCount)
        $cpu.Simd | Should -Match 'float32'
        $cpu.Available | Should -BeTrue
    }

    It 'filters by backend' {
        @(Get-NeuralDevice -Backend cpu).Count | Should -Be 1
        @(Get-NeuralDevice -Backend 'nothing*').Count | Should -Be 0
    }

    It 'lists GPUs only as what a registered backend reports' {
        Get-NeuralDevice | Select-Object -Skip 1 | ForEach-Object { $_.Backend | Should -Be 'cuda' }
    }
}
