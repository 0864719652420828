# Dot-sourced by build.ps1 (the Package task) and by tests/Pester/Package.Tests.ps1. Written to run under
# Set-StrictMode -Version Latest (as build.ps1 does), without setting it in the caller's scope.

# Writes <Destination>/<Name>.<Version>.nupkg as PowerShellGet/PSResourceGet lay out a module package: the
# module's files at the root of the package (LICENSE among them), <Name>.nuspec with the manifest's description,
# author, PSData.LicenseUri, release notes and tags (plus PSModule, PSCmdlet_<name>, PSIncludes_Cmdlet and the
# PSEdition tags the gallery derives from the manifest), and the OPC parts NuGet expects.
function New-ModulePackage {
    param([Parameter(Mandatory)] [string] $ModuleDir, [Parameter(Mandatory)] [string] $Destination)
    $name = [IO.Path]::GetFileNameWithoutExtension((Get-ChildItem -LiteralPath $ModuleDir -Filter *.psd1 | Select-Object -First 1).Name)
    $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $ModuleDir "$name.psd1")
    $version = $manifest['ModuleVersion']
    $psData = $manifest['PrivateData']['PSData']
    $tags = [System.Collections.Generic.List[string]]::new()
    foreach ($t in @($psData['Tags']) + 'PSModule' + 'PSIncludes_Cmdlet') { if ($t -and -not $tags.Contains($t)) { $tags.Add($t) } }
    foreach ($cmdlet in $manifest['CmdletsToExport']) { $tags.Add("PSCmdlet_$cmdlet"); $tags.Add("PSCommand_$cmdlet") }
    foreach ($edition in $manifest['CompatiblePSEditions']) { if (-not $tags.Contains("PSEdition_$edition")) { $tags.Add("PSEdition_$edition") } }
    $esc = { param($text) [System.Security.SecurityElement]::Escape([string]$text) }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$name</id>
    <version>$version</version>
    <authors>$(& $esc $manifest['Author'])</authors>
    <owners>$(& $esc $manifest['CompanyName'])</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <licenseUrl>$(& $esc $psData['LicenseUri'])</licenseUrl>
$(if ($psData['ProjectUri']) { "    <projectUrl>$(& $esc $psData['ProjectUri'])</projectUrl>`n" })    <description>$(& $esc $manifest['Description'])</description>
    <releaseNotes>$(& $esc $psData['ReleaseNotes'])</releaseNotes>
    <copyright>$(& $esc $manifest['Copyright'])</copyright>
    <tags>$(& $esc ($tags -join ' '))</tags>
  </metadata>
</package>
"@
    $null = New-Item -ItemType Directory -Force -Path $Destination
    $package = Join-Path $Destination "$name.$version.nupkg"
    if (Test-Path -LiteralPath $package) { Remove-Item -LiteralPath $package -Force }
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::Open($package, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        $addText = {
            param([string] $entryName, [string] $text)
            $entry = $zip.CreateEntry($entryName, [System.IO.Compression.CompressionLevel]::Optimal)
            $writer = [System.IO.StreamWriter]::new($entry.Open(), [System.Text.UTF8Encoding]::new($false))
            try { $writer.Write($text) } finally { $writer.Dispose() }
        }
        & $addText "$name.nuspec" $nuspec
        $root = (Resolve-Path -LiteralPath $ModuleDir).Path
        $extensions = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
        foreach ($file in Get-ChildItem -LiteralPath $root -Recurse -File) {
            $relative = [IO.Path]::GetRelativePath($root, $file.FullName).Replace('\', '/')
            $null = [System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, $relative, [System.IO.Compression.CompressionLevel]::Optimal)
            if ($file.Extension) { $null = $extensions.Add($file.Extension.TrimStart('.')) }
        }
        $null = $extensions.Add('nuspec'); $null = $extensions.Add('rels'); $null = $extensions.Add('psmdcp')
        $defaults = ($extensions | Sort-Object | ForEach-Object { "  <Default Extension=`"$_`" ContentType=`"application/octet`" />" }) -join "`n"
        & $addText '[Content_Types].xml' @"
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
$defaults
</Types>
"@
        $coreId = [guid]::NewGuid().ToString('N')
        & $addText '_rels/.rels' @"
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/$name.nuspec" Id="R$($coreId.Substring(0, 16))" />
  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/package/services/metadata/core-properties/$coreId.psmdcp" Id="R$($coreId.Substring(16))" />
</Relationships>
"@
        & $addText "package/services/metadata/core-properties/$coreId.psmdcp" @"
<?xml version="1.0" encoding="utf-8"?>
<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">
  <dc:creator>$(& $esc $manifest['Author'])</dc:creator>
  <dc:description>$(& $esc $manifest['Description'])</dc:description>
  <dc:identifier>$name</dc:identifier>
  <version>$version</version>
  <keywords>$(& $esc ($tags -join ' '))</keywords>
  <lastModifiedBy>NeuralPS build.ps1</lastModifiedBy>
</coreProperties>
"@
    }
    finally {
        $zip.Dispose()
    }
    Get-Item -LiteralPath $package
}
