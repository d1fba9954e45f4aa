module x
go 1.21
go 1.22
toolchain go1.22.0
toolchain go1.23.0
