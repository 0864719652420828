#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Scripts as they run unattended: a separate pwsh process started with -File, judged by its exit code.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Manifest = Join-Path $ModulePath 'NeuralPS.psd1'

    # A scheduled-style script: load a model, score a CSV, write the predictions. No try/catch: under
    # $ErrorActionPreference = 'Stop' a NeuralPS error ends the script and pwsh -File exits with 1.
    $ScoringScript = Join-Path $TestDrive 'score.ps1'
    Set-Content -Path $ScoringScript -Value @'
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ModelPath,
    [Parameter(Mandatory)] [string] $DataPath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$model = Import-NeuralNetwork -Path $ModelPath
Import-Csv -Path $DataPath | Invoke-Prediction -Network $model | Export-Csv -Path $OutputPath
"scored $((Import-Csv -Path $OutputPath).Count) rows"
'@
    $Model = Join-Path $TestDrive 'iris.npsm'
    $net = New-IrisNetwork -Seed 1
    $null = Import-Csv -Path $IrisCsv | Invoke-Training -Network $net -LabelProperty Species -Epochs 50 -BatchSize 16 -LearningRate 0.01
    $net | Save-NeuralNetwork -Path $Model
}

Describe 'A scheduled script run with pwsh -File' {
    It 'exits 0 and writes its output when everything is there' {
        $out = Join-Path $TestDrive 'scored.csv'
        $run = Invoke-Pwsh -File $ScoringScript -ArgumentList '-ModulePath', $Manifest, '-ModelPath', $Model, '-DataPath', $IrisCsv, '-OutputPath', $out
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'scored 150 rows'
        $rows = @(Import-Csv -Path $out)
        $rows.Count | Should -Be 150
        $rows[0].PSObject.Properties.Name | Should -Contain 'PredictedLabel'
    }

    It 'exits non-zero, naming the file, when its model file is missing' {
        $out = Join-Path $TestDrive 'never.csv'
        $missing = Join-Path $TestDrive 'gone.npsm'
        $run = Invoke-Pwsh -File $ScoringScript -ArgumentList '-ModulePath', $Manifest, '-ModelPath', $missing, '-DataPath', $IrisCsv, '-OutputPath', $out
        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match 'gone\.npsm'
        Test-Path $out | Should -BeFalse
    }

    It 'exits non-zero when its model file is damaged, and leaves it as it was' {
        $damaged = Join-Path $TestDrive 'damaged.npsm'
        $bytes = [IO.File]::ReadAllBytes($Model)
        $bytes[$bytes.Length - 10] = $bytes[$bytes.Length - 10] -bxor 0xFF
        [IO.File]::WriteAllBytes($damaged, $bytes)
        $run = Invoke-Pwsh -File $ScoringScript -ArgumentList '-ModulePath', $Manifest, '-ModelPath', $damaged, '-DataPath', $IrisCsv, '-OutputPath', (Join-Path $TestDrive 'never2.csv')
        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match 'damaged\.npsm'
        [IO.File]::ReadAllBytes($damaged) | Should -Be $bytes
    }
}

Describe 'The examples' {
    It 'examples/iris.ps1 (the main job) runs in a fresh pwsh and reaches 90% on the held-out flowers' {
        $run = Invoke-Pwsh -File (Join-Path $RepoRoot 'examples' 'iris.ps1') -ArgumentList '-ModulePath', $ModulePath, '-OutputFolder', $TestDrive
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'Test accuracy: (9\d|100)'
        Test-Path (Join-Path $TestDrive 'iris.npsm') | Should -BeTrue
    }

    It 'examples/onnx-roundtrip.ps1 round-trips Iris through ONNX and fine-tunes the PyTorch CNN' {
        $run = Invoke-Pwsh -File (Join-Path $RepoRoot 'examples' 'onnx-roundtrip.ps1') -ArgumentList '-ModulePath', $ModulePath, '-OutputFolder', $TestDrive
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'predicts the 150 flowers identically: True'
        $run.Output | Should -Match 'accuracy \d+(\.\d)? % as imported'
        Test-Path (Join-Path $TestDrive 'fashion_cnn_tuned.onnx') | Should -BeTrue
    }

    It 'examples/sunspots-forecast.ps1 forecasts 1947-2008 with a GRU better than persistence' {
        $run = Invoke-Pwsh -File (Join-Path $RepoRoot 'examples' 'sunspots-forecast.ps1') -ArgumentList '-ModulePath', $ModulePath
        $run.ExitCode | Should -Be 0 -Because $run.Output
        ($run.Output -join "`n") -match 'GRU RMSE (\d+\.\d), persistence RMSE (\d+\.\d)' | Should -BeTrue -Because $run.Output
        [double]$Matches[1] | Should -BeLessThan (0.85 * [double]$Matches[2])
        ($run.Output -join "`n") | Should -Match 'Forecast for 2009: \d+\.\d'
    }

    It 'examples/text-classification.ps1 -Task Names trains on raw names, reloads the model and classifies new ones' {
        $model = Join-Path $TestDrive 'names.npsm'
        $run = Invoke-Pwsh -File (Join-Path $RepoRoot 'examples' 'text-classification.ps1') -ArgumentList '-ModulePath', $ModulePath, '-Task', 'Names', '-Epochs', '3', '-ModelFile', $model
        $run.ExitCode | Should -Be 0 -Because $run.Output
        ($run.Output -join "`n") -match 'Test accuracy: (\d+\.\d) %' | Should -BeTrue -Because $run.Output
        [double]$Matches[1] | Should -BeGreaterThan 75      # 58 % of the test names are female
        $model | Should -Exist
        ($run.Output -join "`n") | Should -Match 'female\s+[\d.]+\s+Roberta'
    }

    It 'examples/next-character.ps1 trains a next-character model on names, reloads it and completes names' {
        $model = Join-Path $TestDrive 'next-character.npsm'
        $run = Invoke-Pwsh -File (Join-Path $RepoRoot 'examples' 'next-character.ps1') -ArgumentList '-ModulePath', $ModulePath, '-Epochs', '2', '-Start', 'Ma', '-ModelFile', $model
        $run.ExitCode | Should -Be 0 -Because $run.Output
        ($run.Output -join "`n") -match 'accuracy on the test names: (\d+\.\d) % over (\d+) steps' | Should -BeTrue -Because $run.Output
        [double]$Matches[1] | Should -BeGreaterThan 30     # always predicting the most frequent label (<end>) is right at 16.5 % of the steps
        $model | Should -Exist
        ($run.Output -join "`n") | Should -Match 'Ma\s+-> Ma[a-z]+'
    }
}
