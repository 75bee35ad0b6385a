"""Reading the bounce mailbox: bounces, complaints and mailto unsubscribes acted on once,
every decision recorded, nothing we do not recognise ever touched."""
