#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Iris = Get-IrisSplit
    $Net = New-NeuralNetwork -Name iris -InputShape 4 -Seed 3 |
        Add-Layer Dense -Units 16 -Activation ReLU |
        Add-Layer Dense -Units 3 -Activation Softmax
    $null = $Iris.Train | Invoke-Training -Network $Net -LabelProperty Species -Epochs 20 -BatchSize 16 -LearningRate 0.01
    $PyTorchDir = Join-Path $RepoRoot 'tests' 'Conformance' 'onnx'
}

Describe 'Export-NeuralNetwork and Import-NeuralNetwork with ONNX' {
    It 'exports from the pipeline and imports a network that predicts identically' {
        $path = Join-Path $TestDrive 'iris.onnx'
        $file = $Net | Export-NeuralNetwork -Path $path -PassThru
        $file | Should -BeOfType System.IO.FileInfo
        $file.Length | Should -BeGreaterThan 0
        $back = Import-NeuralNetwork -Path $path
        $back.Name | Should -Be 'iris'
        $back.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
        $a = $Iris.Test | Invoke-Prediction -Network $Net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
        $b = $Iris.Test | Invoke-Prediction -Network $back | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
        $b | Should -Be $a
    }

    It 'loads Google.Protobuf into the module''s private load context, not the default one' {
        $Net | Export-NeuralNetwork -Path (Join-Path $TestDrive 'alc.onnx')
        $protobuf = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Google.Protobuf' }
        $protobuf | Should -Not -BeNullOrEmpty
        foreach ($a in $protobuf) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name | Should -Be 'NeuralPS'
            $a.Location | Should -BeLike '*dependencies*Google.Protobuf.dll'
        }
    }

    It 'recognises the file kind from its content, whatever the extension' {
        $onnx = Join-Path $TestDrive 'model-onnx.bin'
        $npsm = Join-Path $TestDrive 'model-npsm.onnx'
        Export-NeuralNetwork -Network $Net -LiteralPath $onnx
        Save-NeuralNetwork -Network $Net -Path $npsm
        (Import-NeuralNetwork -LiteralPath $onnx).Layers.Count | Should -Be 2
        (Get-Item $npsm | Import-NeuralNetwork).Layers.Count | Should -Be 2
    }

    It 'writes the bare network with -Bare (smaller: no preprocessing or label nodes)' {
        $full = Join-Path $TestDrive 'full.onnx'
        $bare = Join-Path $TestDrive 'bare.onnx'
        $Net | Export-NeuralNetwork -Path $full
        $Net | Export-NeuralNetwork -Path $bare -Bare
        (Get-Item $bare).Length | Should -BeLessThan (Get-Item $full).Length
        (Import-NeuralNetwork $bare).Preprocessor | Should -BeNullOrEmpty
    }

    It 'does not write with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.onnx'
        $Net | Export-NeuralNetwork -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'refuses to overwrite without -Force and overwrites with it' {
        $path = Join-Path $TestDrive 'existing.onnx'
        Set-Content -Path $path -Value 'keep me'
        $err = { $Net | Export-NeuralNetwork -Path $path } | Should -Throw -ErrorId 'FileExists,NeuralPS.Cmdlets.ExportNeuralNetworkCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Path $path | Should -Be 'keep me'
        $Net | Export-NeuralNetwork -Path $path -Force
        (Import-NeuralNetwork $path).Layers.Count | Should -Be 2
    }

    It 'refuses a truncated ONNX file with an InvalidData error naming the file' {
        $path = Join-Path $TestDrive 'truncated.onnx'
        $Net | Export-NeuralNetwork -Path $path
        $bytes = [IO.File]::ReadAllBytes($path)
        [IO.File]::WriteAllBytes($path, $bytes[0..([int]($bytes.Length / 2))])
        $err = { Import-NeuralNetwork -Path $path } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $path
        $err.Exception.Message | Should -BeLike "*$path*"
    }

    It 'refuses an op NeuralPS does not implement, naming the op type and the node' {
        $path = Join-Path $TestDrive 'celu.onnx'
        $Net | Export-NeuralNetwork -Path $path
        # Relu -> Celu: same length, so the protobuf stays well formed
        $bytes = [IO.File]::ReadAllBytes($path)
        $text = [Text.Encoding]::Latin1.GetString($bytes).Replace('Relu', 'Celu')
        [IO.File]::WriteAllBytes($path, [Text.Encoding]::Latin1.GetBytes($text))
        $err = { Import-NeuralNetwork -Path $path } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike "*(Celu) is an op NeuralPS does not import*"
        $err.Exception.Message | Should -BeLike "*node 'dense_1/activation'*"
    }

    It 'refuses to export a layer ONNX cannot express, with the network as the target' {
        $seq = New-NeuralNetwork -InputShape 5, 2 | Add-Layer LSTM -Units 3 -MaskZeroSteps | Add-Layer Dense -Units 1
        $err = { $seq | Export-NeuralNetwork -Path (Join-Path $TestDrive 'masked.onnx') } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*MaskZeroSteps*'
        $err.TargetObject | Should -Be $seq
        Test-Path (Join-Path $TestDrive 'masked.onnx') | Should -BeFalse
    }

    It 'imports a PyTorch CNN and fine-tunes it on Fashion-MNIST for one epoch from the cmdlets' {
        $cnn = Import-NeuralNetwork (Join-Path $PyTorchDir 'fashion_cnn.onnx')
        $cnn.InputShape | Should -Be 1, 28, 28
        $cnn.Name | Should -Be 'fashion_cnn'
        # PyTorch's model outputs logits and carries no class names: name the ten classes to make it a classifier.
        $cnn.ClassNames = [string[]](0..9)
        $test = Import-NeuralDataset -Path (Join-Path $FashionDir 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $FashionDir 't10k-labels-idx1-ubyte.gz')
        $train = Import-NeuralDataset -Path (Join-Path $FashionDir 'train-images-idx3-ubyte.gz') -LabelPath (Join-Path $FashionDir 'train-labels-idx1-ubyte.gz')
        $before = Measure-Model -Network $cnn -InputObject $test
        $history = @($train | Invoke-Training -Network $cnn -Epochs 1 -BatchSize 32 -LearningRate 0.0005)
        $history.Count | Should -Be 1
        $after = Measure-Model -Network $cnn -InputObject $test
        $before.Accuracy | Should -BeGreaterThan 0.5
        $after.Accuracy | Should -BeGreaterOrEqual ($before.Accuracy - 0.02)
    }
}
