#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Iris = Get-IrisSplit
    $Net = New-IrisNetwork -Seed 2
    $null = $Iris.Train | Invoke-Training -Network $Net -LabelProperty Species -Epochs 20 -BatchSize 16 -LearningRate 0.01
}

Describe 'Save-NeuralNetwork and Import-NeuralNetwork' {
    It 'round-trips a network to identical predictions' {
        $path = Join-Path $TestDrive 'iris.npsm'
        $Net | Save-NeuralNetwork -Path $path
        Test-Path $path | Should -BeTrue
        $back = Import-NeuralNetwork -Path $path
        $back.Name | Should -Be 'iris'
        $back.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
        $back.EpochsTrained | Should -Be $Net.EpochsTrained
        $a = $Iris.Test | Invoke-Prediction -Network $Net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
        $b = $Iris.Test | Invoke-Prediction -Network $back | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
        $b | Should -Be $a
    }

    It 'resolves relative paths against the PowerShell location' {
        Push-Location $TestDrive
        try {
            $Net | Save-NeuralNetwork -Path 'relative.npsm'
            Test-Path (Join-Path $TestDrive 'relative.npsm') | Should -BeTrue
            (Import-NeuralNetwork -Path 'relative.npsm').Name | Should -Be 'iris'
        }
        finally {
            Pop-Location
        }
    }

    It 'does not write with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.npsm'
        $Net | Save-NeuralNetwork -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'refuses to overwrite without -Force and leaves the file alone' {
        $path = Join-Path $TestDrive 'existing.npsm'
        Set-Content -Path $path -Value 'keep me'
        $err = { $Net | Save-NeuralNetwork -Path $path } | Should -Throw -ErrorId 'FileExists,NeuralPS.Cmdlets.SaveNeuralNetworkCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Path $path | Should -Be 'keep me'
    }

    It 'says "What if" for an existing file without -Force, with no error, and leaves it alone' {
        $path = Join-Path $TestDrive 'whatif-existing.npsm'
        Set-Content -Path $path -Value 'keep me'
        # What if: goes to the host, so read it from a pwsh process's output.
        $run = Invoke-Pwsh -Command @"
Import-Module '$ModulePath'
`$net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 3
`$net | Save-NeuralNetwork -Path '$path' -WhatIf
if (-not `$?) { exit 3 }
"@
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match ([regex]::Escape("What if: Performing the operation `"Overwrite neural network file`" on target `"$path`""))
        $run.Output | Should -Not -Match 'already exists'
        Get-Content -Path $path | Should -Be 'keep me'
    }

    It 'does not overwrite with -Force -WhatIf' {
        $path = Join-Path $TestDrive 'force-whatif.npsm'
        Set-Content -Path $path -Value 'keep me'
        $Net | Save-NeuralNetwork -Path $path -Force -WhatIf
        Get-Content -Path $path | Should -Be 'keep me'
    }

    It 'overwrites with -Force and writes the file with -PassThru' {
        $path = Join-Path $TestDrive 'forced.npsm'
        Set-Content -Path $path -Value 'old'
        $file = $Net | Save-NeuralNetwork -Path $path -Force -PassThru
        $file | Should -BeOfType [System.IO.FileInfo]
        $file.FullName | Should -Be (Get-Item $path).FullName
        (Import-NeuralNetwork -Path $path).Layers.Count | Should -Be 2
    }

    It 'takes -LiteralPath with wildcard characters in the name' {
        $path = Join-Path $TestDrive 'model[1].npsm'
        $Net | Save-NeuralNetwork -LiteralPath $path
        Test-Path -LiteralPath $path | Should -BeTrue
        (Import-NeuralNetwork -LiteralPath $path).Name | Should -Be 'iris'
    }

    It 'lets a -Path wildcard pick the one existing file to overwrite' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'wild')
        Set-Content -Path (Join-Path $dir 'only-model.npsm') -Value 'old'
        $file = $Net | Save-NeuralNetwork -Path (Join-Path $dir 'only-*.npsm') -Force -PassThru
        $file.Name | Should -Be 'only-model.npsm'
        @(Get-ChildItem $dir).Count | Should -Be 1
        (Import-NeuralNetwork -Path $file.FullName).Name | Should -Be 'iris'
    }

    It 'imports the files Get-ChildItem pipes in' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'models')
        $Net | Save-NeuralNetwork -Path (Join-Path $dir 'a.npsm')
        $Net | Save-NeuralNetwork -Path (Join-Path $dir 'b.npsm')
        @(Get-ChildItem $dir -Filter *.npsm | Import-NeuralNetwork).Count | Should -Be 2
        @(Import-NeuralNetwork -Path (Join-Path $dir '*.npsm')).Count | Should -Be 2
    }

    It 'refuses a corrupt model file with a clear error' {
        $path = Join-Path $TestDrive 'corrupt.npsm'
        $Net | Save-NeuralNetwork -Path $path
        $bytes = [System.IO.File]::ReadAllBytes($path)
        $bytes[$bytes.Length - 10] = $bytes[$bytes.Length - 10] -bxor 0xFF
        [System.IO.File]::WriteAllBytes($path, $bytes)
        $err = { Import-NeuralNetwork -Path $path } | Should -Throw -ErrorId 'ModelFile,NeuralPS.Cmdlets.ImportNeuralNetworkCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $path
    }

    It 'refuses a truncated or foreign file' {
        $path = Join-Path $TestDrive 'truncated.npsm'
        $Net | Save-NeuralNetwork -Path $path
        $bytes = [System.IO.File]::ReadAllBytes($path)
        [System.IO.File]::WriteAllBytes($path, $bytes[0..([int]($bytes.Length / 2))])
        { Import-NeuralNetwork -Path $path } | Should -Throw -ErrorId 'ModelFile*'
        { Import-NeuralNetwork -Path $IrisCsv } | Should -Throw -ErrorId 'ModelFile*'
    }

    It 'says when the file does not exist' {
        $err = { Import-NeuralNetwork -Path (Join-Path $TestDrive 'none.npsm') } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Import-NeuralDataset' {
    It 'reads idx images with labels as one-channel images scaled to [0, 1]' {
        $ds = Import-NeuralDataset -Path (Join-Path $FashionDir 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $FashionDir 't10k-labels-idx1-ubyte.gz') -ClassNames FashionMNIST
        $ds.Count | Should -BeGreaterThan 0
        $ds.SampleShape.ToString() | Should -Be '(1, 28, 28)'
        $ds.ClassNames[9] | Should -Be 'Ankle boot'
        $ds.ClassLabels.Count | Should -Be $ds.Count
    }

    It 'flattens idx images with -Flatten and reads with -Format Idx' {
        $ds = Import-NeuralDataset (Join-Path $FashionDir 't10k-images-idx3-ubyte.gz') -Format Idx -LabelPath (Join-Path $FashionDir 't10k-labels-idx1-ubyte.gz') -Flatten -Limit 10
        $ds.SampleShape.ToString() | Should -Be '(784,)'
        $ds.Count | Should -Be 10
    }

    It 'refuses a -LabelPath wildcard that matches several files' {
        $images = Join-Path $FashionDir 't10k-images-idx3-ubyte.gz'
        { Import-NeuralDataset -Path $images -LabelPath (Join-Path $FashionDir '*labels*') } | Should -Throw '*-LabelPath*2 files*'
    }

    It 'reads a CSV file, reporting a bad row and skipping it' {
        $csv = Join-Path $TestDrive 'rows.csv'
        Set-Content -Path $csv -Value "a,b,label", "1,2,x", "3,oops,y", "5,6,x", "7,8,y"
        $ds = Import-NeuralDataset -Path $csv -LabelProperty label -ErrorVariable errs -ErrorAction SilentlyContinue
        $ds.Count | Should -Be 3
        $ds.ClassNames | Should -Be 'x', 'y'
        $errs.Count | Should -Be 1
        $errs[0].Exception.Message | Should -Match 'line 3'
    }

    It 'trains a network on an imported CSV dataset' {
        $ds = Import-NeuralDataset -Path $IrisCsv -LabelProperty Species
        $net = New-IrisNetwork
        ($ds | Invoke-Training -Network $net -Epochs 2).Count | Should -Be 2
    }

    It 'says when the file does not exist' {
        { Import-NeuralDataset -Path (Join-Path $TestDrive 'none.csv') } | Should -Throw
    }
}

Describe 'Get-NeuralDataset' {
    It 'returns the shipped Iris dataset' {
        $ds = Get-NeuralDataset -Name Iris
        $ds.Count | Should -Be 150
        $ds.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
        $ds.SampleShape.ToString() | Should -Be '(4,)'
    }

    It 'returns the rows with -AsRecord' {
        $rows = Get-NeuralDataset -Name Iris -AsRecord
        $rows.Count | Should -Be 150
        $rows[0].PSObject.Properties.Name | Should -Be 'SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth', 'Species'
        @($rows | Group-Object Species).Count | Should -Be 3
    }

    It 'lists the shipped datasets' {
        (Get-NeuralDataset).Name | Should -Contain 'Iris'
    }
}
