module x
go 1.21
toolchain ÿþgarbage
toolchain go1.22.0 extra
