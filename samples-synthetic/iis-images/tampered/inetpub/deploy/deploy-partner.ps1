# Deploys the partner portal content
Copy-Item -Recurse -Force '\\build01\drops\partner\*' 'C:\inetpub\partner\'
Write-Output 'copied'
