"""The shared language of Camille's services: message models, subject names and error codes. No I/O."""
