module x

go 1.22 1.23
