// Verifies a chain as crypto/tls does (Certificate.Verify with DNSName), printing "ok"
// or go's error: the oracle for gomedic's x509go differential test.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strconv"
	"time"
)

func certs(path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("read:", err)
		os.Exit(2)
	}
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		out = append(out, b.Bytes)
	}
}

func main() {
	chainPath, rootsPath, host := os.Args[1], os.Args[2], os.Args[3]
	now, _ := strconv.ParseInt(os.Args[4], 10, 64)
	roots := x509.NewCertPool()
	rootData, _ := os.ReadFile(rootsPath)
	roots.AppendCertsFromPEM(rootData)
	var parsed []*x509.Certificate
	for _, der := range certs(chainPath) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			fmt.Println("tls: failed to parse certificate from server: " + err.Error())
			return
		}
		parsed = append(parsed, c)
	}
	inter := x509.NewCertPool()
	for _, c := range parsed[1:] {
		inter.AddCert(c)
	}
	_, err := parsed[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		DNSName:       host,
		CurrentTime:   time.Unix(now, 0).UTC(),
	})
	if err != nil {
		fmt.Println(err.Error())
		return
	}
	fmt.Println("ok")
}
