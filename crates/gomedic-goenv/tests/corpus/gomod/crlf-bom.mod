module x
go 1.22.0
toolchain default
