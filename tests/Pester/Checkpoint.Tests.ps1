#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# A scheduled job as a user runs it: examples/scheduled-training.ps1 in its own pwsh process, killed with
# SIGKILL (Stop-Process -Force) in the middle of epoch 2, then started again with the same command line.
# It must continue from its checkpoint and end with exactly what an uninterrupted run ends with.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Script = Join-Path $RepoRoot 'examples' 'scheduled-training.ps1'
    # 2048 hidden units make an epoch of the 800-image training part last seconds, long enough to kill
    # the process inside epoch 2; a checkpoint every 10 of its 25 batches lets the resume start mid-epoch.
    $JobArguments = @('-ModulePath', $ModulePath, '-Epochs', '3', '-HiddenUnits', '2048', '-CheckpointEvery', '10')

    function Get-ModelPredictionText([string] $ModelFile) {
        $net = Import-NeuralNetwork -Path $ModelFile
        $test = Import-NeuralDataset (Join-Path $FashionDir 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $FashionDir 't10k-labels-idx1-ubyte.gz') -Flatten -ClassNames FashionMNIST
        ($test | Invoke-Prediction -Network $net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }) -join ';'
    }

    # Predictions as text with every bit of the probability, to compare runs exactly.
    function Get-PredictionText($Network, $Rows) {
        ($Rows | Invoke-Prediction -Network $Network | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }) -join ';'
    }

    # Starts the job in a separate pwsh, waits until it reports epoch 1 done, lets it get into epoch 2 and
    # kills it. Returns what it printed before dying.
    function Invoke-KilledJob([string] $OutputPath) {
        $log = Join-Path $TestDrive ('killed-{0}.log' -f [guid]::NewGuid().ToString('N'))
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $Script, '-OutputPath', $OutputPath) + $JobArguments
        $process = Start-Process -FilePath $PwshPath -ArgumentList $arguments -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(3)
            while (-not ((Test-Path $log) -and (Get-Content -Raw $log) -match 'trained epoch 1/')) {
                if ($process.HasExited) { throw "the job ended before epoch 1 finished (exit $($process.ExitCode)): $(Get-Content -Raw $log) $(Get-Content -Raw "$log.err")" }
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the job did not finish epoch 1 within 3 minutes' }
                Start-Sleep -Milliseconds 50
            }
            Start-Sleep -Milliseconds 400   # into epoch 2
        }
        finally {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue   # SIGKILL on Linux and macOS
            $process.WaitForExit()
        }
        Get-Content -Raw $log
    }
}

Describe 'examples/scheduled-training.ps1 killed and run again' {
    It 'continues from its checkpoint and predicts exactly what an uninterrupted run predicts' {
        $uninterrupted = Join-Path $TestDrive 'uninterrupted'
        $run = Invoke-Pwsh -File $Script -ArgumentList (@('-OutputPath', $uninterrupted) + $JobArguments)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'trained epoch 3/3'

        $killed = Join-Path $TestDrive 'killed'
        $before = Invoke-KilledJob $killed
        $before | Should -Match 'trained epoch 1/'
        $before | Should -Not -Match 'epoch 2/' -Because 'the kill must land inside epoch 2'
        # The newest checkpoint is from inside epoch 2 (every 10 batches) or from epoch 1's end.
        (Import-NeuralNetwork -Path (Join-Path $killed 'checkpoints' 'last.npsc')).EpochsTrained | Should -Be 1

        $again = Invoke-Pwsh -File $Script -ArgumentList (@('-OutputPath', $killed) + $JobArguments)
        $again.ExitCode | Should -Be 0 -Because $again.Output
        $again.Output | Should -Match 'restored epoch 1/3'
        $again.Output | Should -Match 'trained epoch 2/3'
        $again.Output | Should -Match 'trained epoch 3/3'

        Get-ModelPredictionText (Join-Path $killed 'best.npsm') | Should -BeExactly (Get-ModelPredictionText (Join-Path $uninterrupted 'best.npsm'))
        (Get-FileHash (Join-Path $killed 'best.npsm')).Hash | Should -Be (Get-FileHash (Join-Path $uninterrupted 'best.npsm')).Hash
        Test-Path (Join-Path $killed 'report.html') | Should -BeTrue
    }

    It 'exits 2 with a clear message when the data is missing' {
        $run = Invoke-Pwsh -File $Script -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', (Join-Path $TestDrive 'nodata'), '-DataPath', (Join-Path $TestDrive 'nowhere'))
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match "data file 'train-images-idx3-ubyte\(\.gz\)' is not in"
    }

    It 'exits 1 naming the difference when the checkpoint is of another network' {
        $out = Join-Path $TestDrive 'other'
        $first = Invoke-Pwsh -File $Script -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', $out, '-Epochs', '1', '-HiddenUnits', '16')
        $first.ExitCode | Should -Be 0 -Because $first.Output
        $second = Invoke-Pwsh -File $Script -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', $out, '-Epochs', '1', '-HiddenUnits', '32')
        $second.ExitCode | Should -Be 1
        $second.Output | Should -Match 'written for another network'
        $second.Output | Should -Match 'units=16'
    }
}

Describe 'Invoke-Training for unattended runs, in the session' {
    BeforeAll {
        $Iris = Get-IrisSplit
    }

    It 'stops early, keeps the best epoch and says so in the history and with -Verbose' {
        $net = New-IrisNetwork -Seed 2
        $verbose = $null
        $history = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 300 -BatchSize 8 -LearningRate 0.05 -ValidationSplit 0.3 -Seed 5 `
            -EarlyStopping -Patience 5 -Verbose 4>&1 | Tee-Object -Variable all | Where-Object { $_ -is [NeuralPS.Cmdlets.TrainingHistoryEntry] }
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
        $history.Count | Should -BeLessThan 300
        $history[-1].StopReason | Should -Be 'EarlyStopping'
        $history[-1].Epoch - $history[-1].BestEpoch | Should -Be 5
        $verbose | Should -Match "holds the weights of epoch $($history[-1].BestEpoch)"
    }

    It 'follows the schedule: the history has the step schedule''s rates' {
        $net = New-IrisNetwork
        $history = Get-NeuralDataset -Name Iris | Invoke-Training -Network $net -Epochs 4 -Optimizer SGD -LearningRate 0.1 -LearningRateSchedule Step -StepSize 2 -Gamma 0.5
        $history.LearningRate | Should -Be 0.1, 0.1, 0.05, 0.05
    }

    It 'takes clipping, accumulation and class weights by name' {
        $net = New-IrisNetwork
        $history = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 2 -ClipNorm 1 -ClipValue 0.5 -AccumulationSteps 2 -ClassWeight @{ virginica = 2 }
        $history.Count | Should -Be 2
        $history[0].Run.Settings.Where({ $_.Key -eq 'Class weights' }).Value | Should -Be '1, 1, 2'
    }

    It 'refuses a knob without the switch it belongs to' {
        { Get-NeuralDataset -Name Iris | Invoke-Training -Network (New-IrisNetwork) -Epochs 1 -Patience 3 -ErrorAction Stop } |
            Should -Throw '*add -EarlyStopping*'
    }

    It 'writes a checkpoint when stopped, and -Resume continues to the uninterrupted weights' {
        $dir = Join-Path $TestDrive 'ckpt-session'
        $reference = New-IrisNetwork -Seed 4
        $null = $Iris.Train | Invoke-Training -Network $reference -LabelProperty Species -Epochs 6 -Seed 1
        $net = New-IrisNetwork -Seed 4
        # Select-Object -First stops the pipeline after epoch 2, as Ctrl+C does (StopProcessing).
        $first = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 6 -Seed 1 -CheckpointPath $dir -Resume | Select-Object -First 2
        $first.Epoch | Should -Be 1, 2
        Test-Path (Join-Path $dir 'last.npsc') | Should -BeTrue
        $again = New-IrisNetwork -Seed 4
        $rest = $Iris.Train | Invoke-Training -Network $again -LabelProperty Species -Epochs 6 -Seed 1 -CheckpointPath $dir -Resume
        $rest.Epoch | Should -Be 1, 2, 3, 4, 5, 6
        ($rest | Where-Object FromCheckpoint).Count | Should -BeGreaterOrEqual 2
        Get-PredictionText $again $Iris.Test | Should -BeExactly (Get-PredictionText $reference $Iris.Test)
    }
}

Describe 'Export-TrainingReport' {
    BeforeAll {
        $Iris = Get-IrisSplit
        $Net = New-IrisNetwork
        $History = $Iris.Train | Invoke-Training -Network $Net -LabelProperty Species -Epochs 5 -ValidationSplit 0.2
        $Evaluation = $Iris.Test | Measure-Model -Network $Net
    }

    It 'writes one self-contained HTML file from the pipeline' {
        $path = Join-Path $TestDrive 'report.html'
        $file = $History | Export-TrainingReport -Path $path -Network $Net -Evaluation $Evaluation -PassThru
        $file.FullName | Should -Be $path
        $html = Get-Content -Raw $path
        $html | Should -Match 'Chart\.js v4'
        $html | Should -Match 'Confusion matrix'
        $html | Should -Not -Match '<script[^>]+src='
    }

    It 'does not overwrite without -Force, and -WhatIf writes nothing' {
        $path = Join-Path $TestDrive 'exists.html'
        Set-Content -Path $path -Value 'old'
        { $History | Export-TrainingReport -Path $path -Network $Net -ErrorAction Stop } | Should -Throw '*-Force*'
        $History | Export-TrainingReport -Path $path -Network $Net -Force -WhatIf
        Get-Content -Raw $path | Should -Match '^old'
    }
}
