# escape=`
# A Windows image: the backslash is a path separator, the backtick continues lines.

FROM mcr.example/windows/servercore:ltsc2022 AS Base
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN New-Item -ItemType Directory C:\app ; `
    # a comment inside the continuation
    Set-Location C:\app
COPY app\ C:\app\

FROM base AS app
WORKDIR C:\app
CMD ["C:\\app\\run.exe"]
