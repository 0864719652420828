#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# Issue 8 as a user meets it: hostile files and bad numbers are clear errors, training that goes NaN
# stops naming where, silent decisions are said, and bad parameter values are refused at binding.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Bad numbers' {
    It 'stops training on a NaN feature, naming the record, and keeps finite weights' {
        $rows = @(Import-Csv -Path $IrisCsv)
        $rows[7].SepalLength = 'NaN'
        $net = New-NeuralNetwork -Name nan -InputShape 4 -Seed 1 | Add-Layer Dense -Units 8 -Activation ReLU | Add-Layer Dense -Units 3
        # As a record column, 'NaN' is not a number: the row is refused (a non-terminating error), not trained on.
        $errs = $null
        $null = $rows | Invoke-Training -Network $net -LabelProperty Species -Epochs 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].Exception.Message | Should -Match 'Record 8'
    }

    It 'refuses a CSV cell beyond float32, naming the line and the column' {
        $path = Join-Path $TestDrive 'big.csv'
        Set-Content -Path $path -Value "a,b,y`n1,2,x`n3,1e39,y`n5,6,x`n7,8,y"
        $errs = $null
        $data = Import-NeuralDataset -Path $path -LabelProperty y -ErrorVariable errs -ErrorAction SilentlyContinue
        $data.Count | Should -Be 3
        $errs.Count | Should -Be 1
        $errs[0].Exception.Message | Should -Match 'line 3'
        $errs[0].Exception.Message | Should -Match "'b'"
    }

    It 'warns when one NaN in the first row makes a numeric column categorical' {
        $path = Join-Path $TestDrive 'nanfirst.csv'
        Set-Content -Path $path -Value ("a,y`nNaN,x`n" + ((1..20 | ForEach-Object { "$_,$(if ($_ % 2) { 'x' } else { 'y' })" }) -join "`n"))
        $warnings = $null
        $null = Import-NeuralDataset -Path $path -LabelProperty y -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join ' ') | Should -Match "Column 'a' was made categorical"
    }
}

Describe 'Hostile and damaged model files' {
    It 'refuses a file whose architecture claims more weights than it holds, without a crash' {
        $net = New-NeuralNetwork -Name small -InputShape 4 -Seed 1 | Add-Layer Dense -Units 3
        $path = Join-Path $TestDrive 'small.npsm'
        $net | Save-NeuralNetwork -Path $path
        { Import-NeuralNetwork -Path (Join-Path $TestDrive 'missing.npsm') } | Should -Throw
        $bytes = [IO.File]::ReadAllBytes($path)
        $bytes[$bytes.Length - 5] = $bytes[$bytes.Length - 5] -bxor 0xFF
        [IO.File]::WriteAllBytes($path, $bytes)
        $err = { Import-NeuralNetwork -Path $path } | Should -Throw -PassThru
        $err.Exception.GetType().Name | Should -Be 'ModelFileException'
    }

    It 'refuses to save NaN weights unless -AllowNonFinite' {
        $net = New-NeuralNetwork -Name nan -InputShape 2 -Seed 1 | Add-Layer Dense -Units 1
        $net.Layers[0].Parameters[0].Value.Data[0] = [float]::NaN # Data: the storage (the ref indexer is not callable from PowerShell)
        $path = Join-Path $TestDrive 'nan.npsm'
        { $net | Save-NeuralNetwork -Path $path } | Should -Throw -ExpectedMessage '*NaN or infinite*'
        Test-Path $path | Should -BeFalse
        $net | Save-NeuralNetwork -Path $path -AllowNonFinite
        Test-Path $path | Should -BeTrue
        @(Get-ChildItem -Path $TestDrive -Force -Filter '*.tmp').Count | Should -Be 0
    }

    It 'sweeps a stale temporary file left by a killed save' {
        $net = New-NeuralNetwork -Name t -InputShape 2 -Seed 1 | Add-Layer Dense -Units 1
        $stale = Join-Path $TestDrive ('.sweep.npsm.{0}.tmp' -f [guid]::NewGuid().ToString('N'))
        Set-Content -Path $stale -Value 'left by a killed save'
        $net | Save-NeuralNetwork -Path (Join-Path $TestDrive 'sweep.npsm')
        Test-Path $stale | Should -BeFalse
    }
}

Describe 'Parameter validation' {
    It 'refuses <Name> before any work starts' -ForEach @(
        @{ Name = 'a learning rate of NaN'; Script = { Invoke-Training -Network (New-NeuralNetwork -InputShape 2) -LearningRate ([double]::NaN) } }
        @{ Name = 'a learning rate of 0'; Script = { Invoke-Training -Network (New-NeuralNetwork -InputShape 2) -LearningRate 0 } }
        @{ Name = 'a dropout rate of 1'; Script = { New-NeuralNetwork -InputShape 2 | Add-Layer Dropout -Rate 1 } }
        @{ Name = 'zero units'; Script = { New-NeuralNetwork -InputShape 2 | Add-Layer Dense -Units 0 } }
        @{ Name = 'a zero kernel size'; Script = { New-NeuralNetwork -InputShape 1, 8, 8 | Add-Layer Conv2d -Filters 2 -KernelSize 3, 0 } }
        @{ Name = 'an input shape with a zero'; Script = { New-NeuralNetwork -InputShape 28, 0 } }
        @{ Name = 'a scale of 0'; Script = { Import-NeuralDataset -Path $IrisCsv -Scale 0 } }
    ) {
        $err = $Script | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Match '^ParameterArgumentValidationError'
    }
}
