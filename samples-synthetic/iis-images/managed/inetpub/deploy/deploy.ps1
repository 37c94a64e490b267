# Copies the site build output. No IIS configuration is touched.
param([string]$Source = '\\build01\drops\intranet\latest')
Copy-Item -Path (Join-Path $Source 'bin\*.dll') -Destination 'C:\inetpub\intranet\bin' -Force
robocopy $Source 'C:\inetpub\intranet' /MIR /XD bin /NFL /NDL
Write-Host 'module files copied'
